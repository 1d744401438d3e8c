"""Signing up without HTTP: seats, the waiting list in arrival order, promotion on
cancel (with its e-mail), guests confirming by link, the clear refusals, and tenant
B never reaching tenant A's members-only event."""

from __future__ import annotations

import email
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from kringwerk.extensions import db, utcnow
from kringwerk.jobs.periodic import tick
from kringwerk.tenancy import tenant_scope
from plugins.events import signup
from plugins.events.models import Audience, Event, EventState, Registration, RegistrationStatus
from plugins.events.services import Visitor, may_attend
from plugins.events.signup import SignupError
from tests.plugins.events.conftest import make_event, member


def outbox(app) -> list[str]:
    folder = Path(app.config["OUTBOX_DIR"])
    return [path.read_text() for path in sorted(folder.glob("*.eml"))] if folder.exists() else []


def sign(tenant, event_id, visitor):
    with tenant_scope(tenant):
        event = db.session.get(Event, event_id)
        registration = signup.sign_up(event, visitor)
        db.session.commit()
        return registration.id, registration.status, registration.position


@pytest.mark.both_databases
def test_seats_then_waiting_list_and_a_cancel_promotes_the_first(app, events_world, event_id):
    a = events_world.a
    people = [a.member, a.admin, a.facilitator, a.official]
    results = [sign(a.tenant, event_id, member(person)) for person in people]
    assert [status for _, status, _ in results] == [
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITING,
        RegistrationStatus.WAITING,
    ]
    with tenant_scope(a.tenant):
        assert db.session.get(Event, event_id).seats_taken == 2
        first = db.session.get(Registration, results[0][0])
        promoted = signup.cancel(first, actor=a.member)
        db.session.commit()
        assert [p.id for p in promoted] == [results[2][0]]  # the facilitator, first on the list
        assert db.session.get(Registration, results[2][0]).status == RegistrationStatus.CONFIRMED
        assert db.session.get(Registration, results[3][0]).status == RegistrationStatus.WAITING
        assert db.session.get(Event, event_id).seats_taken == 2
    mails = outbox(app)
    assert any("A seat has come free" in mail and a.facilitator.email in mail for mail in mails)
    # The confirmation carries the event as .ics, which parses back.
    confirmation = next(
        email.message_from_string(mail)
        for mail in mails
        if "You are signed up" in mail and a.member.email in mail
    )
    (ics,) = [part for part in confirmation.walk() if part.get_filename()]
    parsed = Calendar.from_ical(ics.get_payload(decode=True))
    assert [str(e["SUMMARY"]) for e in parsed.walk("VEVENT")] == ["Themabijeenkomst energie"]
    # A cancelled person may sign up again, at the end of the list.
    _, status, _ = sign(a.tenant, event_id, member(a.member))
    assert status == RegistrationStatus.WAITING


@pytest.mark.both_databases
def test_clear_refusals(app, events_world, event_id):
    a = events_world.a
    sign(a.tenant, event_id, member(a.member))
    with tenant_scope(a.tenant):
        event = db.session.get(Event, event_id)
        with pytest.raises(SignupError) as duplicate:
            signup.sign_up(event, member(a.member))
        assert duplicate.value.code == "duplicate"
        db.session.rollback()
    past = make_event(a.tenant, signup_deadline=utcnow() - timedelta(hours=1))
    cancelled = make_event(a.tenant, state=EventState.CANCELLED)
    draft = make_event(a.tenant, state=EventState.DRAFT)
    with tenant_scope(a.tenant):
        for event_id_, code in ((past, "deadline"), (cancelled, "cancelled"), (draft, "not_open")):
            with pytest.raises(SignupError) as refused:
                signup.sign_up(db.session.get(Event, event_id_), member(a.admin))
            assert refused.value.code == code
            assert str(refused.value)  # a message to show
        assert db.session.query(Registration).filter_by(event_id=past).count() == 0


@pytest.mark.both_databases
def test_tenant_b_cannot_see_or_sign_up_for_a_members_only_event(app, events_world, event_id, b_event_id):
    a, b = events_world.a, events_world.b
    with tenant_scope(b.tenant):
        assert db.session.get(Event, event_id) is None  # the wall
    with tenant_scope(a.tenant):
        event = db.session.get(Event, event_id)
        outsider = Visitor(user=b.member)  # a member of B is nobody in A
        assert not may_attend(event, outsider)
        with pytest.raises(SignupError) as refused:
            signup.sign_up(event, outsider)
        assert refused.value.code == "not_eligible"
        assert db.session.get(Event, b_event_id) is None


def test_network_people_attend_network_and_public_events_only(app, events_world):
    a = events_world.a
    members_only = make_event(a.tenant)
    network = make_event(a.tenant, audience=Audience.NETWORK)
    public = make_event(a.tenant, audience=Audience.PUBLIC)
    via = Visitor(user=events_world.b.member, via="Kring B")
    with tenant_scope(a.tenant):
        assert not may_attend(db.session.get(Event, members_only), via)
        assert may_attend(db.session.get(Event, network), via)
        assert may_attend(db.session.get(Event, public), via)
        assert not may_attend(db.session.get(Event, network), Visitor())
        assert may_attend(db.session.get(Event, public), Visitor())


@pytest.mark.both_databases
def test_a_guest_counts_only_after_confirming_by_link(app, events_world):
    a = events_world.a
    event_id = make_event(a.tenant, audience=Audience.PUBLIC, capacity=1)
    with tenant_scope(a.tenant):
        event = db.session.get(Event, event_id)
        registration, raw = signup.sign_up_guest(
            event, name="Gerda Gast", email="Gerda@Gast.test", company="Gast BV"
        )
        db.session.commit()
        assert registration.status == RegistrationStatus.PENDING
        assert db.session.get(Event, event_id).seats_taken == 0
        again, no_link = signup.sign_up_guest(event, name="Gerda", email="gerda@gast.test")
        assert again.id == registration.id and no_link is None  # one place per address
        db.session.commit()
    with tenant_scope(events_world.b.tenant):
        assert signup.confirm_guest(raw) is None  # the link belongs to tenant A
    with tenant_scope(a.tenant):
        confirmed = signup.confirm_guest(raw)
        db.session.commit()
        assert confirmed.status == RegistrationStatus.CONFIRMED
        assert db.session.get(Event, event_id).seats_taken == 1
        assert signup.confirm_guest(raw) is None  # single use
        members = make_event(a.tenant)
        with pytest.raises(SignupError):
            signup.sign_up_guest(db.session.get(Event, members), name="G", email="g@g.test")
    assert any(
        "Please confirm your sign-up" in mail and "/kring-a/events/confirm/" in mail for mail in outbox(app)
    )


@pytest.mark.both_databases
def test_a_promoted_person_who_does_not_confirm_in_time_passes_the_seat_on(app, events_world, client):
    a = events_world.a
    event_id = make_event(a.tenant, capacity=1)
    ids = [
        sign(a.tenant, event_id, member(person))[0]
        for person in (a.member, a.admin, a.facilitator, a.official)
    ]
    with tenant_scope(a.tenant):
        signup.cancel(db.session.get(Registration, ids[0]))
        db.session.commit()
        admin = db.session.get(Registration, ids[1])
        assert admin.awaiting_confirmation and admin.confirmed_at is None
        raw = signup.issue_token("events.offer", admin.id, expires_at=admin.offer_expires_at)
        # The facilitator's offer lapses later; the admin confirms in time by the link (POST).
        db.session.commit()
    assert client.get(f"/kring-a/events/seat/{raw}").status_code == 200
    assert client.get(f"/kring-b/events/seat/{raw}").status_code == 404
    assert client.post(f"/kring-a/events/seat/{raw}").status_code == 200
    with tenant_scope(a.tenant):
        admin = db.session.get(Registration, ids[1])
        assert not admin.awaiting_confirmation and admin.confirmed_at is not None
        signup.cancel(admin)  # the admin cannot come after all: the facilitator is offered the seat
        db.session.commit()
        facilitator = db.session.get(Registration, ids[2])
        assert facilitator.awaiting_confirmation
        facilitator.offer_expires_at = utcnow() - timedelta(minutes=1)  # the day went by
        db.session.commit()
    report = tick(app, ["events.expired_offers"])
    assert not report.failed
    with tenant_scope(a.tenant):
        assert db.session.get(Registration, ids[2]).status == RegistrationStatus.CANCELLED
        official = db.session.get(Registration, ids[3])
        assert official.status == RegistrationStatus.CONFIRMED and official.awaiting_confirmation
        assert db.session.get(Event, event_id).seats_taken == 1
    assert client.post(f"/kring-a/events/seat/{raw}").status_code == 404  # used up


def test_an_offer_close_to_the_start_is_simply_a_seat(app, events_world):
    with tenant_scope(events_world.a.tenant):
        event = Event(
            starts_at=utcnow() + timedelta(hours=2, minutes=30), ends_at=utcnow() + timedelta(hours=4)
        )
        assert signup.offer_deadline(event) is None
        event.starts_at = utcnow() + timedelta(days=3)
        assert signup.offer_deadline(event) > utcnow() + timedelta(hours=23)
