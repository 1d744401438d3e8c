"""A contact person's personal data (AVG): the board downloads it as JSON — the directory's
details, the standing panel and what every plugin reports through ``contact_export`` —
with an audit entry; the removal's confirmation says what happens to their data.
Tenant B reaches none of A's contact persons."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.members import privacy
from kringwerk.members.models import ContactPerson, PanelMember
from kringwerk.tenancy import tenant_scope
from tests.support.dummy_plugin.models import DummyNote


def _anna(members) -> int:
    with tenant_scope(members.a.tenant):
        return db.session.scalar(select(ContactPerson.id).where(ContactPerson.name == "Anna de Vries"))


@pytest.mark.both_databases
def test_the_export_holds_the_directory_the_panel_and_the_plugins(members):
    a, b = members.a, members.b
    anna_id = _anna(members)
    with tenant_scope(a.tenant):
        db.session.add(PanelMember(contact_person_id=anna_id))
        db.session.add(DummyNote(text="Anna's note", author_email="anna@alpha.test"))
        db.session.flush()
    with tenant_scope(b.tenant):
        db.session.add(DummyNote(text="B's note about the same address", author_email="anna@alpha.test"))
        db.session.flush()
    db.session.commit()
    with tenant_scope(a.tenant):
        contact = db.session.get(ContactPerson, anna_id)
        data = privacy.export_contact(a.tenant, contact, actor=a.admin)
        db.session.commit()
        assert data["contact_person"]["name"] == "Anna de Vries"
        assert data["contact_person"]["company"]["name"] == "Alpha Bouw BV"
        assert data["contact_person"]["has_account"] is False
        assert [row["contact_person_id"] for row in data["panel"]] == [anna_id]
        assert {"dummy_notes": ["Anna's note"]} in data["plugins"]  # B's note stays out
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.action == "contact.exported"
    with tenant_scope(b.tenant):
        assert db.session.get(ContactPerson, anna_id) is None
        assert "contact.exported" not in db.session.scalars(select(AuditEntry.action)).all()


def test_the_board_downloads_it_and_nobody_else(members, client, login_as):
    a, b = members.a, members.b
    anna_id = _anna(members)
    url = f"/kring-a/members/contacts/{anna_id}/export"
    login_as(a.facilitator)
    assert client.post(url).status_code == 403
    client.post("/account/logout")
    login_as(b.admin)
    assert client.post(url).status_code == 404
    assert client.post(f"/kring-b/members/contacts/{anna_id}/export").status_code == 404
    client.post("/account/logout")
    login_as(a.admin)
    assert client.get(url).status_code == 405  # a GET never writes the audit entry
    page = client.get(f"/kring-a/members/companies/{members.alpha_id}").get_data(as_text=True)
    assert url in page and "Export personal data" in page
    response = client.post(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    assert json.loads(response.data)["contact_person"]["email"] == "anna@alpha.test"
    with tenant_scope(a.tenant):
        assert db.session.scalars(select(AuditEntry.action)).all().count("contact.exported") == 1


def test_the_removal_says_what_happens_to_their_data(members, client, login_as):
    login_as(members.a.admin)
    page = client.get(f"/kring-a/members/contacts/{_anna(members)}/delete").get_data(as_text=True)
    assert "made anonymous" in page and "Download their personal data first" in page
