"""The board's panel page and taking a seat off it (after a confirmation that says what
happens; refused once the consultation has closed), and replacing the draft's file while
the dossier is a draft (the old file deleted after the commit, an audit entry). The
municipality never sees the panel's names; tenant B reaches none of A's seats or files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from kringwerk.accounts.models import Role
from kringwerk.audit.models import AuditEntry
from kringwerk.documents.models import StoredFile
from kringwerk.documents.services import file_path
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from kringwerk.tokens.models import PersonalToken
from plugins.mkb_toets import feedback
from plugins.mkb_toets.models import Dossier, Feedback, PanelSeat, Phase
from tests.plugins.mkb_toets.conftest import make_dossier
from tests.plugins.mkb_toets.test_services import link_for, open_dossier_with_panel, step

PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _feedback_on_two_sections(tenant, seat_id):
    with tenant_scope(tenant):
        seat = db.session.get(PanelSeat, seat_id)
        for section in seat.dossier.sections[:2]:
            feedback.save_section(seat, section.id, {"verdict": "workable"})
        feedback.save_overall(seat, {"overall": "Prima plan."})
        db.session.commit()


def test_the_board_removes_a_seat_after_a_confirmation_and_the_link_stops(mkb_world, client, login_as):
    a, b = mkb_world.a, mkb_world.b
    dossier_id, (anna_seat, bert_seat) = open_dossier_with_panel(mkb_world)
    token = link_for(a.tenant, anna_seat)
    _feedback_on_two_sections(a.tenant, anna_seat)
    base = f"/kring-a/mkb-toets/{dossier_id}"
    login_as(a.official)
    assert client.get(f"{base}/seats").status_code == 403  # names are the board's
    assert client.post(f"{base}/seats/{anna_seat}/remove").status_code == 403
    client.post("/account/logout")
    login_as(b.admin)
    assert client.get(f"/kring-b/mkb-toets/{dossier_id}/seats").status_code == 404
    assert client.post(f"/kring-b/mkb-toets/{dossier_id}/seats/{anna_seat}/remove").status_code == 404
    client.post("/account/logout")
    login_as(a.admin)
    listing = client.get(f"{base}/seats").get_data(as_text=True)
    assert "Anna Alpha" in listing and "Bert Berends" in listing and "Alpha Bouw BV" in listing
    assert f"{base}/seats/{anna_seat}/remove" in listing
    confirm = client.get(f"{base}/seats/{anna_seat}/remove").get_data(as_text=True)
    assert "Take Anna Alpha off this dossier's panel?" in confirm
    assert "personal link stops working" in confirm and "feedback on 2 sections is deleted" in confirm
    assert "overall view is deleted too" in confirm
    assert "not given any feedback" in client.get(f"{base}/seats/{bert_seat}/remove").get_data(as_text=True)
    with tenant_scope(a.tenant):
        assert db.session.get(PanelSeat, anna_seat) is not None  # the GET changed nothing
    other = make_dossier(a.tenant, title="Ander dossier")
    assert client.post(f"/kring-a/mkb-toets/{other}/seats/{anna_seat}/remove").status_code == 404
    done = client.post(f"{base}/seats/{anna_seat}/remove")
    assert done.status_code == 303
    assert "Anna Alpha is no longer on the panel" in client.get(done.location).get_data(as_text=True)
    with tenant_scope(a.tenant):
        assert db.session.get(PanelSeat, anna_seat) is None
        assert db.session.scalars(select(Feedback).where(Feedback.seat_id == anna_seat)).all() == []
        assert feedback.seat_for_link(token) is None
        assert not db.session.scalars(
            select(PersonalToken).where(
                PersonalToken.subject_id == anna_seat, PersonalToken.purpose == "mkb-toets.feedback"
            )
        ).all()
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "mkb-toets.seat_removed")
        ).one()
        assert entry.details["feedback_deleted"] == 2 and entry.details["overall_deleted"] is True
    assert client.get(f"/kring-a/mkb-toets/feedback/{token}").status_code == 404


@pytest.mark.both_databases
def test_once_the_consultation_has_closed_nobody_is_taken_off_the_panel(mkb_world, client, login_as):
    a = mkb_world.a
    dossier_id, (anna_seat, _bert) = open_dossier_with_panel(mkb_world)
    _feedback_on_two_sections(a.tenant, anna_seat)
    step(a.tenant, dossier_id, Phase.CONSULTATION_CLOSED, a.admin, Role.ADMIN)
    login_as(a.admin)
    base = f"/kring-a/mkb-toets/{dossier_id}"
    assert "Take off this dossier's panel" not in client.get(f"{base}/seats").get_data(as_text=True)
    refused = client.post(f"{base}/seats/{anna_seat}/remove", follow_redirects=True)
    assert "The panel is fixed once the consultation has closed" in refused.get_data(as_text=True)
    with tenant_scope(a.tenant):
        assert db.session.get(PanelSeat, anna_seat) is not None
        assert len(db.session.scalars(select(Feedback).where(Feedback.seat_id == anna_seat)).all()) == 2


def _stored(tenant, dossier_id) -> tuple | None:
    with tenant_scope(tenant):
        dossier = db.session.get(Dossier, dossier_id)
        stored = db.session.get(StoredFile, dossier.attachment_id) if dossier.attachment_id else None
        return (stored.id, stored.original_name, file_path(stored)) if stored else None


def _upload(client, url, data: bytes, name: str):
    return client.post(url, data={"attachment": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_the_drafts_file_is_replaced_and_the_old_one_deleted_after_the_commit(mkb_world, client, login_as):
    a, b = mkb_world.a, mkb_world.b
    dossier_id = make_dossier(a.tenant)
    url = f"/kring-a/mkb-toets/{dossier_id}/attachment"
    login_as(a.member)
    assert client.get(url).status_code == 404  # a draft is not there for a member
    client.post("/account/logout")
    login_as(a.official)
    page = client.get(url)
    assert page.status_code == 200 and "no file yet" in page.get_data(as_text=True)
    assert _upload(client, url, PDF, "concept-v1.pdf").status_code == 303
    first_id, first_name, first_path = _stored(a.tenant, dossier_id)
    assert first_name == "concept-v1.pdf" and Path(first_path).exists()
    assert "concept-v1.pdf" in client.get(url).get_data(as_text=True)  # says which file goes
    # Wrong kind of file, or none: the message next to the field, nothing changes.
    wrong = _upload(client, url, b"MZ\x90\x00 not a pdf", "concept-v2.pdf")
    assert wrong.status_code == 422 and "PDF" in wrong.get_data(as_text=True)
    empty = client.post(url, data={}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "Choose a PDF or Word file" in empty.get_data(as_text=True)
    assert _stored(a.tenant, dossier_id)[0] == first_id
    assert _upload(client, url, PDF + b"% v2\n", "concept-v2.pdf").status_code == 303
    second_id, second_name, second_path = _stored(a.tenant, dossier_id)
    assert second_name == "concept-v2.pdf" and Path(second_path).exists()
    assert not Path(first_path).exists()
    with tenant_scope(a.tenant):
        assert db.session.get(StoredFile, first_id) is None
        entry = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "mkb-toets.attachment_replaced")
            .order_by(AuditEntry.id)
        ).all()[-1]
        assert entry.details["old"] == "concept-v1.pdf" and entry.details["new"] == "concept-v2.pdf"
    client.post("/account/logout")
    login_as(a.admin)
    trail = client.get("/kring-a/admin/audit/").get_data(as_text=True)
    assert "MKB-toets draft file replaced" in trail and "Previous file" in trail
    client.post("/account/logout")
    login_as(b.admin)
    assert _upload(client, f"/kring-b/mkb-toets/{dossier_id}/attachment", PDF, "b.pdf").status_code == 404
    assert _stored(a.tenant, dossier_id)[0] == second_id
    with tenant_scope(b.tenant):
        assert db.session.scalars(select(StoredFile)).all() == []


def test_the_file_stays_once_the_consultation_has_opened(mkb_world, client, login_as):
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant, phase=Phase.CONSULTATION_OPEN)
    login_as(a.admin)
    refused = _upload(client, f"/kring-a/mkb-toets/{dossier_id}/attachment", PDF, "later.pdf")
    assert refused.status_code == 303
    assert "only be replaced while the dossier is a draft" in client.get(refused.location).get_data(
        as_text=True
    )
    assert _stored(a.tenant, dossier_id) is None


def test_the_panel_and_versions_pages_ask_as_many_queries_for_few_as_for_many(mkb_world, client, login_as):
    from kringwerk.members.models import Company, ContactPerson
    from plugins.mkb_toets import advice
    from tests.members.support import count_queries

    a = mkb_world.a
    counts = []
    for size in (2, 30):
        dossier_id = make_dossier(a.tenant, title=f"Dossier {size}", phase=Phase.ADVICE_WRITING)
        with tenant_scope(a.tenant):
            dossier = db.session.get(Dossier, dossier_id)
            for number in range(size):
                company = Company(name=f"Bedrijf {size}-{number}")
                company.contacts.append(
                    ContactPerson(name=f"Persoon {size}-{number}", email=f"p{size}-{number}@x.test")
                )
                db.session.add(company)
                db.session.flush()
                db.session.add(PanelSeat(dossier_id=dossier_id, contact_person_id=company.contacts[0].id))
                advice.add_point(dossier, f"Punt {number}", actor=a.admin)
            db.session.commit()
        login_as(a.admin)
        # Warm first: the core keeps the tenant and its plugins per process, filled by the first request.
        client.get(f"/kring-a/mkb-toets/{dossier_id}/seats")
        client.get(f"/kring-a/mkb-toets/{dossier_id}/advice/versions")
        with count_queries() as seats:
            page = client.get(f"/kring-a/mkb-toets/{dossier_id}/seats")
        assert page.status_code == 200 and f"Persoon {size}-1" in page.get_data(as_text=True)
        with count_queries() as versions:
            assert client.get(f"/kring-a/mkb-toets/{dossier_id}/advice/versions").status_code == 200
        counts.append((len(seats), len(versions)))
        client.post("/account/logout")
    assert counts[0] == counts[1]
    login_as(mkb_world.b.admin)
    assert client.get(f"/kring-b/mkb-toets/{dossier_id}/seats").status_code == 404
