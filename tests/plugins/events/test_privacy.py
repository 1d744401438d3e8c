"""AVG: a member's sign-ups come with their export; erasing the member cancels a live
sign-up (the seat goes to the next on the waiting list) and leaves no name, address or
answers. Tenant B's export of its own member holds nothing of tenant A."""

from __future__ import annotations

from sqlalchemy import select

from kringwerk.accounts.models import Membership
from kringwerk.accounts.people import erase_member, export_member
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.events import signup
from plugins.events.models import Event, Registration, RegistrationStatus
from tests.plugins.events.conftest import make_event, member


def _membership(tenant, user):
    with tenant_scope(tenant):
        return db.session.scalar(select(Membership).where(Membership.user_id == user.id))


def test_export_and_erase_of_a_members_sign_ups(events_world):
    a, b = events_world.a, events_world.b
    event_id = make_event(a.tenant, capacity=1)
    with tenant_scope(a.tenant):
        event = db.session.get(Event, event_id)
        signup.sign_up(event, member(a.member), answers={"q1": "vegetarisch"}, company="Alpha Bouw BV")
        signup.sign_up(event, member(a.admin))
        db.session.commit()
    data = export_member(a.tenant, _membership(a.tenant, a.member), actor=a.admin)
    [part] = [part for part in data["plugins"] if "registrations" in part]
    [entry] = part["registrations"]
    assert (entry["status"], entry["company"], entry["answers"]) == (
        "confirmed",
        "Alpha Bouw BV",
        {"q1": "vegetarisch"},
    )
    b_data = export_member(b.tenant, _membership(b.tenant, b.member), actor=b.admin)
    assert not [part for part in b_data["plugins"] if "registrations" in part]

    erase_member(a.tenant, _membership(a.tenant, a.member), actor=a.admin)
    db.session.commit()
    with tenant_scope(a.tenant):
        rows = {r.status: r for r in db.session.scalars(select(Registration))}
        erased = rows[RegistrationStatus.CANCELLED]
        assert (erased.user_id, erased.name, erased.company, erased.answers) == (None, "", None, {})
        assert a.member.email not in erased.email
        assert rows[RegistrationStatus.CONFIRMED].user_id == a.admin.id  # promoted at once
