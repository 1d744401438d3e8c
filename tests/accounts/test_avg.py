"""AVG (GDPR): a tenant admin exports or erases the personal data the tenant
holds on a member. The account is global; erasure stays inside the tenant."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kringwerk.accounts.models import Invitation, Membership, Role, User
from kringwerk.accounts.people import add_membership
from kringwerk.audit.models import AuditEntry
from kringwerk.audit.services import record
from kringwerk.extensions import db
from kringwerk.mail.models import SentMail
from kringwerk.members.models import Company, ContactPerson
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from tests.support.dummy_plugin.models import DummyNote


@pytest.fixture
def data(world):
    """The member of A is also a member of B; both tenants hold a contact person and a
    dummy note of theirs; the dummy plugin is on in both."""
    person = world.a.member
    for side, company_name in ((world.a, "Alpha BV"), (world.b, "Bravo BV")):
        enable_plugin(side.tenant, "dummy")
        with tenant_scope(side.tenant):
            if side is world.b:
                add_membership(side.tenant, person, Role.MEMBER)
            company = Company(name=company_name)
            company.contacts.append(
                ContactPerson(name=person.name, email=person.email, phone="0612345678", user_id=person.id)
            )
            db.session.add_all(
                [company, DummyNote(text=f"note in {company_name}", author_email=person.email)]
            )
            db.session.flush()
    with tenant_scope(world.a.tenant):
        db.session.add(
            Invitation(
                email=person.email, role=Role.MEMBER, token_hash="0" * 64, expires_at=person.created_at
            )
        )
        db.session.flush()
    for key in (f"t{world.a.tenant.id}:welcome", f"t{world.b.tenant.id}:welcome", "platform:magic"):
        db.session.add(SentMail(key=key, to=person.email, subject="Hallo"))
    db.session.commit()
    return world


def membership_id(tenant, user) -> int | None:
    db.session.expire_all()
    with tenant_scope(tenant):
        return db.session.scalar(select(Membership.id).where(Membership.user_id == user.id))


def contact_user_ids(tenant) -> list[int | None]:
    db.session.expire_all()
    with tenant_scope(tenant):
        return list(db.session.scalars(select(ContactPerson.user_id)))


def note_authors(tenant) -> list[str | None]:
    db.session.expire_all()
    with tenant_scope(tenant):
        return list(db.session.scalars(select(DummyNote.author_email)))


def audit(tenant) -> list[AuditEntry]:
    with tenant_scope(tenant):
        return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


# --- export -------------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_export_holds_what_this_tenant_has_on_the_member(login_as, data):
    world = data
    mid = membership_id(world.a.tenant, world.a.member)
    client = login_as(world.a.admin)
    assert client.get(f"/kring-a/admin/people/{mid}/export").status_code == 405  # a GET writes no audit entry
    assert "member.exported" not in [e.action for e in audit(world.a.tenant)]
    response = client.post(f"/kring-a/admin/people/{mid}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    exported = json.loads(response.get_data(as_text=True))
    assert exported["user"]["email"] == world.a.member.email
    assert exported["user"]["name"] == world.a.member.name
    assert exported["tenant"]["slug"] == "kring-a"
    assert exported["membership"]["role"] == "member"
    assert [c["company"]["name"] for c in exported["contact_persons"]] == ["Alpha BV"]
    assert exported["contact_persons"][0]["phone"] == "0612345678"
    assert exported["plugins"] == [{"dummy_notes": ["note in Alpha BV"]}]
    assert "Bravo" not in response.get_data(as_text=True)
    assert len(exported["invitations"]) == 1
    entry = audit(world.a.tenant)[-1]
    assert (entry.action, entry.actor_id) == ("member.exported", world.a.admin.id)
    assert "member.exported" not in [e.action for e in audit(world.b.tenant)]


def test_export_and_erasure_reach_disabled_plugins(login_as, data):
    """A switched-off plugin keeps its rows: they are exported and erased like any other."""
    from kringwerk.pluginhost.services import disable_plugin

    world = data
    disable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    mid = membership_id(world.a.tenant, world.a.member)
    client = login_as(world.a.admin)
    exported = client.post(f"/kring-a/admin/people/{mid}/export").get_json()
    assert exported["plugins"] == [{"dummy_notes": ["note in Alpha BV"]}]
    assert client.post(f"/kring-a/admin/people/{mid}/erase").status_code == 302
    assert note_authors(world.a.tenant) == [None]
    assert note_authors(world.b.tenant) == [world.a.member.email]  # B's note of the same person stays


@pytest.mark.parametrize("who", ["facilitator", "member"])
def test_export_is_for_the_board_only(login_as, data, who):
    world = data
    mid = membership_id(world.a.tenant, world.a.official)
    assert login_as(getattr(world.a, who)).post(f"/kring-a/admin/people/{mid}/export").status_code == 403


def test_export_of_another_tenants_member_answers_404(login_as, data):
    world = data
    mid = membership_id(world.a.tenant, world.a.member)
    client = login_as(world.b.admin)
    assert client.post(f"/kring-b/admin/people/{mid}/export").status_code == 404
    assert client.post(f"/kring-a/admin/people/{mid}/export").status_code == 404
    assert "member.exported" not in [e.action for e in audit(world.a.tenant)]


# --- erasure ------------------------------------------------------------------------------------


def test_erase_asks_first(login_as, data):
    world = data
    mid = membership_id(world.a.tenant, world.a.member)
    response = login_as(world.a.admin).get(f"/kring-a/admin/people/{mid}/erase")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert world.a.member.email in page and 'method="post"' in page
    assert membership_id(world.a.tenant, world.a.member) == mid
    assert contact_user_ids(world.a.tenant) == [world.a.member.id]


@pytest.mark.both_databases
def test_erase_stays_inside_the_tenant(login_as, data):
    world = data
    person = world.a.member
    mid = membership_id(world.a.tenant, person)
    response = login_as(world.a.admin).post(f"/kring-a/admin/people/{mid}/erase")
    assert response.status_code == 302
    # Tenant A: membership gone, contact person unlinked, plugin data anonymised, invitations gone.
    assert membership_id(world.a.tenant, person) is None
    assert contact_user_ids(world.a.tenant) == [None]
    assert note_authors(world.a.tenant) == [None]
    with tenant_scope(world.a.tenant):
        assert db.session.scalars(select(Invitation)).all() == []
    # Tenant B and the global account: untouched.
    assert membership_id(world.b.tenant, person) is not None
    assert contact_user_ids(world.b.tenant) == [person.id]
    assert note_authors(world.b.tenant) == [person.email]
    assert db.session.get(User, person.id) is not None
    kept = db.session.scalars(select(SentMail.key).where(SentMail.to == person.email).order_by(SentMail.key))
    assert list(kept) == ["platform:magic", f"t{world.b.tenant.id}:welcome"]
    entry = audit(world.a.tenant)[-1]
    assert entry.action == "member.erased"
    assert person.email not in (entry.target_label or "") and person.name not in (entry.target_label or "")


def test_the_last_admin_cannot_be_erased(login_as, data):
    world = data
    mid = membership_id(world.a.tenant, world.a.admin)
    client = login_as(world.a.admin)
    assert "last board member" in client.get(f"/kring-a/admin/people/{mid}/erase").get_data(as_text=True)
    assert client.post(f"/kring-a/admin/people/{mid}/erase").status_code == 409
    assert membership_id(world.a.tenant, world.a.admin) == mid


def test_erasure_of_another_tenants_member_answers_404(login_as, data):
    world = data
    mid = membership_id(world.a.tenant, world.a.member)
    client = login_as(world.b.admin)
    assert client.post(f"/kring-b/admin/people/{mid}/erase").status_code == 404
    assert client.post(f"/kring-a/admin/people/{mid}/erase").status_code == 404
    assert membership_id(world.a.tenant, world.a.member) == mid
    assert contact_user_ids(world.a.tenant) == [world.a.member.id]


def test_erase_by_a_facilitator_is_refused(login_as, data):
    world = data
    mid = membership_id(world.a.tenant, world.a.member)
    assert login_as(world.a.facilitator).post(f"/kring-a/admin/people/{mid}/erase").status_code == 403
    assert membership_id(world.a.tenant, world.a.member) == mid


@pytest.mark.both_databases
def test_erasure_leaves_no_name_or_address_in_the_tenants_trail(login_as, data):
    world = data
    person = world.a.member
    mid = membership_id(world.a.tenant, person)
    # An entry by the person and one about them, in both tenants.
    for tenant in (world.a.tenant, world.b.tenant):
        with tenant_scope(tenant):
            record("company.updated", actor=person, target_label="Alpha BV")
            record("member.role_changed", actor=world.a.admin, target_label=person.email)
            db.session.commit()
    assert login_as(world.a.admin).post(f"/kring-a/admin/people/{mid}/erase").status_code == 302
    for entry in audit(world.a.tenant):
        assert person.email not in f"{entry.actor_label} {entry.target_label}"
        assert person.name not in f"{entry.actor_label} {entry.target_label}"
    by_person = [e for e in audit(world.b.tenant) if e.actor_id == person.id]
    assert by_person and all(e.actor_label == person.email for e in by_person)
    assert person.email in [e.target_label for e in audit(world.b.tenant)]
