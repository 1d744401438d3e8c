"""A contact person without an account (AVG): the events plugin exports their guest sign-ups
and the follow-up meetings they were invited to; removing the contact erases them: a sign-up
to come is cancelled (its seat passes on), one that is over keeps its status and check-in
for the attendance figures, none keeps a name or address, and the trail has counts only.
The same address in tenant B is another person's business and stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db, utcnow
from kringwerk.members import privacy
from kringwerk.members.models import Company, ContactPerson
from kringwerk.members.services import delete_contact
from kringwerk.tenancy import tenant_scope
from plugins.events.models import Event, Registration, RegistrationStatus
from tests.plugins.events.conftest import make_event

EMAIL = "gert@gast.test"


def _guest(tenant, event_id, **values) -> int:
    with tenant_scope(tenant):
        registration = Registration(
            event_id=event_id,
            person=f"guest:{EMAIL}",
            name="Gert Gast",
            email=EMAIL,
            company="Gast BV",
            answers={"dieet": "vegan"},
            status=RegistrationStatus.CONFIRMED,
            **values,
        )
        db.session.add(registration)
        db.session.flush()
        registration_id = registration.id
    db.session.commit()
    return registration_id


@pytest.fixture
def gert(events_world):
    """Gert, a contact person of Gast BV in tenant A with no account, signed up as a guest for
    an event to come and one that is over, and invited to a follow-up; B has a guest with his
    address."""
    a, b = events_world.a, events_world.b
    with tenant_scope(a.tenant):
        company = Company(name="Gast BV")
        company.contacts.append(ContactPerson(name="Gert Gast", email=EMAIL))
        company.contacts.append(ContactPerson(name="Collega", email="collega@gast.test"))
        db.session.add(company)
        db.session.flush()
        gert_id, colleague_id = (c.id for c in company.contacts)
    db.session.commit()
    coming = make_event(a.tenant, capacity=1, seats_taken=1)
    past_start = utcnow() - timedelta(days=7)
    past = make_event(a.tenant, title="Voorbij", starts_at=past_start, capacity=5, seats_taken=1)
    followup = make_event(a.tenant, title="Vervolg", invited_contact_ids=[gert_id, colleague_id])
    b_event = make_event(b.tenant, title="B's event", capacity=5, seats_taken=1)
    ids = {
        "gert": gert_id,
        "coming": _guest(a.tenant, coming),
        "past": _guest(a.tenant, past, checked_in_at=past_start + timedelta(minutes=5)),
        "b": _guest(b.tenant, b_event),
        "coming_event": coming,
        "followup": followup,
    }
    return events_world, ids


def test_contact_export_lists_sign_ups_and_followup_invitations(gert):
    world, ids = gert
    with tenant_scope(world.a.tenant):
        contact = db.session.get(ContactPerson, ids["gert"])
        data = privacy.export_contact(world.a.tenant, contact, actor=world.a.admin)
        db.session.commit()
    [part] = [p for p in data["plugins"] if "registrations" in p]
    assert sorted(r["event"] for r in part["registrations"]) == ["Themabijeenkomst energie", "Voorbij"]
    assert {r["answers"]["dieet"] for r in part["registrations"]} == {"vegan"}
    assert [i["event"] for i in part["invited_to_followups"]] == ["Vervolg"]
    assert "B's event" not in str(data)


@pytest.mark.both_databases
def test_removing_the_contact_erases_sign_ups_and_keeps_attendance(gert):
    world, ids = gert
    with tenant_scope(world.a.tenant):
        delete_contact(db.session.get(ContactPerson, ids["gert"]), actor=world.a.admin)
        db.session.commit()
        coming = db.session.get(Registration, ids["coming"])
        past = db.session.get(Registration, ids["past"])
        assert coming.status == RegistrationStatus.CANCELLED
        assert db.session.get(Event, ids["coming_event"]).seats_taken == 0  # the seat passed on
        assert past.status == RegistrationStatus.CONFIRMED and past.checked_in_at is not None
        for row in (coming, past):
            assert (row.name, row.company, row.answers, row.person) == ("", None, {}, None)
            assert EMAIL not in row.email
        assert db.session.get(Event, ids["followup"]).invited_contact_ids != []
        assert ids["gert"] not in db.session.get(Event, ids["followup"]).invited_contact_ids
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "events.contact_erased"))
        assert entry.details == {
            "registrations_anonymised": 2,
            "registrations_cancelled": 1,
            "followup_invitations": 1,
        }
        assert entry.target_label == f"#{ids['gert']}"
    with tenant_scope(world.b.tenant):
        untouched = db.session.get(Registration, ids["b"])
        assert (untouched.email, untouched.name) == (EMAIL, "Gert Gast")


def test_a_shared_address_is_not_erased_with_one_contact(gert):
    world, ids = gert
    with tenant_scope(world.a.tenant):
        company = db.session.scalar(select(Company).where(Company.name == "Gast BV"))
        company.contacts.append(ContactPerson(name="Gert (tweede rij)", email=EMAIL))
        db.session.flush()
        delete_contact(db.session.get(ContactPerson, ids["gert"]), actor=world.a.admin)
        db.session.commit()
        assert db.session.get(Registration, ids["past"]).email == EMAIL
