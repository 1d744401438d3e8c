"""Earlier versions of the advice: every save keeps one and sending freezes one; the board
reads them all, who saved each and when, read-only, compared with the advice as it
stands; the municipality reads only the version it was sent, and only once sent; other
members and tenant B read none."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kringwerk.accounts.models import Role
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.mkb_toets import advice, phases, versions
from plugins.mkb_toets.models import AdviceVersion, Dossier, Phase
from tests.plugins.mkb_toets.conftest import make_dossier


def test_compare_marks_changed_added_and_removed_points_word_by_word():
    old = [
        {"number": 1, "text": "Venstertijden tot 11 uur.", "section": "1. Venstertijden"},
        {"number": 2, "text": "Geen camera's.", "section": None},
        {"number": 3, "text": "Ontheffing gratis.", "section": None},
        {"number": "x", "text": "kapot"},  # stored JSON read defensively
    ]
    new = [
        {"number": 1, "text": "Venstertijden tot 12 uur.", "section": "2. Ontheffingen"},
        {"number": 3, "text": "Ontheffing gratis.", "section": None},
        {"number": 4, "text": "Een loket voor ondernemers.", "section": None},
    ]
    changes = {change.number: change for change in versions.compare(old, new)}
    assert [(n, c.status) for n, c in sorted(changes.items())] == [
        (1, "changed"),
        (2, "removed"),
        (3, "same"),
        (4, "added"),
    ]
    assert changes[1].words == [
        ("same", "Venstertijden tot "),
        ("removed", "11"),
        ("added", "12"),
        ("same", " uur."),
    ]
    assert changes[1].section_changed and not changes[3].section_changed
    assert changes[2].words == [("removed", "Geen camera's.")]
    assert versions.compare("not a list", None) == []


@pytest.fixture
def advised(mkb_world):
    """Tenant A's dossier with two points saved in three versions, then sent (version 4)."""
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant, phase=Phase.ADVICE_WRITING)
    with tenant_scope(a.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        first = advice.add_point(dossier, "Venstertijden tot 11 uur.", actor=a.admin)
        advice.add_point(dossier, "Ontheffing per bedrijf.", actor=a.admin)
        advice.edit_point(dossier, first.id, "Venstertijden tot 12 uur.", actor=a.admin)
        db.session.commit()
        ids = {v.number: v.id for v in db.session.scalars(select(AdviceVersion))}
    return dossier_id, ids


def test_the_board_reads_every_version_and_compares_it_with_now(mkb_world, advised, client, login_as):
    a = mkb_world.a
    dossier_id, ids = advised
    base = f"/kring-a/mkb-toets/{dossier_id}/advice/versions"
    login_as(a.admin)
    assert base in client.get(f"/kring-a/mkb-toets/{dossier_id}/advice").get_data(as_text=True)
    listing = client.get(base).get_data(as_text=True)
    assert all(f"Version {n}" in listing for n in (1, 2, 3)) and a.admin.name in listing
    first = client.get(f"{base}/{ids[1]}").get_data(as_text=True)
    assert "Version 1 of the advice" in first and "Venstertijden tot 11 uur." in first
    assert "<del>" in first and "<ins>" in first and "Ontheffing per bedrijf." in first  # added since
    assert "<textarea" not in first  # read-only
    latest = client.get(f"{base}/{ids[3]}").get_data(as_text=True)
    assert "Nothing has changed since this version." in latest
    client.post("/account/logout")
    login_as(a.official)
    assert client.get(base).status_code == 404  # not sent yet: the municipality reads nothing
    assert client.get(f"{base}/{ids[1]}").status_code == 404
    client.post("/account/logout")
    login_as(a.member)
    assert client.get(base).status_code in (403, 404)
    client.post("/account/logout")
    login_as(mkb_world.b.admin)
    assert client.get(f"/kring-b/mkb-toets/{dossier_id}/advice/versions").status_code == 404
    assert client.get(f"/kring-b/mkb-toets/{dossier_id}/advice/versions/{ids[1]}").status_code == 404


@pytest.mark.both_databases
def test_the_municipality_reads_only_the_sent_version(mkb_world, advised, client, login_as):
    a = mkb_world.a
    dossier_id, ids = advised
    with tenant_scope(a.tenant):
        phases.advance(db.session.get(Dossier, dossier_id), Phase.ADVICE_SENT, actor=a.admin, role=Role.ADMIN)
        db.session.commit()
        sent = advice.sent_version(db.session.get(Dossier, dossier_id))
        assert sent.number == 4
    base = f"/kring-a/mkb-toets/{dossier_id}/advice/versions"
    login_as(a.official)
    listing = client.get(base).get_data(as_text=True)
    assert "Version 4" in listing and "Sent on" in listing and "Version 1" not in listing
    assert client.get(f"{base}/{ids[1]}").status_code == 404
    page = client.get(f"{base}/{sent.id}").get_data(as_text=True)
    assert "was sent to the municipality" in page and "Venstertijden tot 12 uur." in page
    with tenant_scope(mkb_world.b.tenant):
        assert db.session.scalars(select(AdviceVersion)).all() == []
