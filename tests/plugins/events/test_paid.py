"""Paid events: where billing is on, a seat of an event with a price is paid through Stripe
Checkout. The seat is held for the session's 31 minutes; paid, it is confirmed by mail;
expired, it is freed. A paid event has no waiting list. Against the local Stripe stand-in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kringwerk.extensions import db, utcnow
from kringwerk.mail.models import SentMail
from kringwerk.tenancy import tenant_scope
from plugins.events.models import Audience, Event, Registration, RegistrationStatus
from plugins.events.signup import issue_token
from tests.billing.helpers import deliver
from tests.conftest import base_config
from tests.plugins.events.conftest import make_event
from tests.support.stripe_standin import SECRET_KEY, WEBHOOK_SECRET, StandInServer

PLANS = {
    "default_plan": "free",
    "plans": [
        {"key": "free", "name": "Free", "price_month": 0, "price_year": 0, "plugins": ["events", "dummy"]},
    ],
}


@pytest.fixture
def standin():
    with StandInServer() as running:
        yield running


@pytest.fixture
def app_config(tmp_path, database_url, standin):
    return base_config(
        tmp_path,
        database_url,
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=standin.url,
        BILLING_PLANS=PLANS,
    )


def registrations(tenant, event_id) -> list[Registration]:
    db.session.expire_all()
    with tenant_scope(tenant):
        return list(db.session.scalars(select(Registration).where(Registration.event_id == event_id)))


def seats(tenant, event_id) -> int:
    db.session.expire_all()
    with tenant_scope(tenant):
        return db.session.get(Event, event_id).seats_taken


def session_of(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return re.search(r"/c/pay/(cs_test_\w+)$", response.headers["Location"]).group(1)


def mailed(registration_id: int) -> bool:
    return any(
        key.endswith(f"events.confirmed:{registration_id}")
        for key in db.session.scalars(select(SentMail.key))
    )


@pytest.mark.both_databases
def test_a_paid_seat_is_held_then_confirmed_when_paid(events_world, login_as, standin):
    a, b = events_world.a, events_world.b
    event_id = make_event(a.tenant, capacity=2, price_cents=2500)
    b_event_id = make_event(b.tenant, capacity=2, price_cents=2500)
    client = login_as(a.member)
    page = client.get(f"/{a.tenant.slug}/events/{event_id}").get_data(as_text=True)
    assert "data-price" in page and "€25.00" in page.replace("\xa0", "")

    session_id = session_of(client.post(f"/{a.tenant.slug}/events/{event_id}/signup"))
    created = [r for r in standin.requests if r.path == "/v1/checkout/sessions"][0]
    assert created.params["mode"] == "payment"
    assert created.params["line_items"][0]["price_data"]["unit_amount"] == "2500"
    [held] = registrations(a.tenant, event_id)
    held_id = held.id
    assert held.awaiting_payment and held.paid_at is None
    assert int(created.params["expires_at"]) == int(held.payment_expires_at.timestamp())
    assert held.payment_expires_at - utcnow() > timedelta(minutes=30)
    assert seats(a.tenant, event_id) == 1
    assert not mailed(held_id)  # no confirmation before the payment
    page = client.get(f"/{a.tenant.slug}/events/{event_id}").get_data(as_text=True)
    assert "Your seat is held until" in page and "Pay now" in page
    # Pay now goes back to the same session.
    assert session_of(client.post(f"/{a.tenant.slug}/events/{event_id}/pay")) == session_id

    assert deliver(client, standin.pay_session(session_id)).status_code == 200
    [paid] = registrations(a.tenant, event_id)
    assert paid.paid_at is not None and not paid.awaiting_payment
    assert paid.status == RegistrationStatus.CONFIRMED
    assert mailed(held_id)
    assert client.post(f"/{a.tenant.slug}/events/{event_id}/pay").status_code == 404
    # Tenant B's event is untouched.
    assert registrations(b.tenant, b_event_id) == [] and seats(b.tenant, b_event_id) == 0


def test_an_unpaid_seat_is_freed_when_the_session_expires(events_world, login_as, standin):
    a = events_world.a
    event_id = make_event(a.tenant, capacity=1, price_cents=1000)
    client = login_as(a.member)
    session_id = session_of(client.post(f"/{a.tenant.slug}/events/{event_id}/signup"))
    # Sold out while the seat is held: no waiting list for a paid event.
    refused = login_as(a.facilitator).post(f"/{a.tenant.slug}/events/{event_id}/signup")
    assert refused.status_code == 409 and "sold out" in refused.get_data(as_text=True)
    assert len(registrations(a.tenant, event_id)) == 1

    deliver(client, standin.expire_session(session_id))
    [expired] = registrations(a.tenant, event_id)
    assert expired.status == RegistrationStatus.CANCELLED and expired.paid_at is None
    assert seats(a.tenant, event_id) == 0
    # The seat is free again.
    assert session_of(login_as(a.facilitator).post(f"/{a.tenant.slug}/events/{event_id}/signup"))


def test_a_guest_pays_after_confirming_the_link(events_world, client, standin):
    a = events_world.a
    event_id = make_event(a.tenant, capacity=5, price_cents=1500, audience=Audience.PUBLIC)
    signed_up = client.post(
        f"/{a.tenant.slug}/events/{event_id}/signup", data={"name": "Gast", "email": "gast@example.com"}
    )
    assert signed_up.status_code == 200
    [pending] = registrations(a.tenant, event_id)
    assert pending.status == RegistrationStatus.PENDING
    pending_id = pending.id
    with tenant_scope(a.tenant):
        token = issue_token("events.guest_confirm", pending_id)
        db.session.commit()
    session_id = session_of(client.post(f"/{a.tenant.slug}/events/confirm/{token}"))
    [held] = registrations(a.tenant, event_id)
    assert held.awaiting_payment and seats(a.tenant, event_id) == 1
    deliver(client, standin.pay_session(session_id))
    assert registrations(a.tenant, event_id)[0].paid_at is not None


def test_an_organiser_sets_the_price(events_world, login_as, standin):
    a = events_world.a
    client = login_as(a.admin)
    form = client.get(f"/{a.tenant.slug}/events/new").get_data(as_text=True)
    assert "Price per seat" in form
    start = utcnow() + timedelta(days=10)
    response = client.post(
        f"/{a.tenant.slug}/events/new",
        data={
            "title": "Regiodag",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "audience": "members",
            "price": "17.50",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    with tenant_scope(a.tenant):
        assert db.session.scalar(select(Event.price_cents).where(Event.title == "Regiodag")) == 1750
    with tenant_scope(events_world.b.tenant):
        assert db.session.scalar(select(Event).where(Event.title == "Regiodag")) is None


def test_organisers_see_who_is_paying_and_who_paid(events_world, login_as, standin):
    a = events_world.a
    event_id = make_event(a.tenant, capacity=3, price_cents=900)
    first = session_of(login_as(a.member).post(f"/{a.tenant.slug}/events/{event_id}/signup"))
    session_of(login_as(a.official).post(f"/{a.tenant.slug}/events/{event_id}/signup"))
    client = login_as(a.admin)
    deliver(client, standin.pay_session(first))
    page = client.get(f"/{a.tenant.slug}/events/{event_id}/attendees").get_data(as_text=True)
    assert "paying, seat held until" in page and ">paid<" in page
    assert (
        login_as(events_world.b.admin).get(f"/{a.tenant.slug}/events/{event_id}/attendees").status_code == 404
    )


def test_a_hold_stripe_never_reported_on_is_freed_a_day_later(events_world, login_as, standin):
    from plugins.events.paid import release_forgotten_holds

    a, b = events_world.a, events_world.b
    event_id = make_event(a.tenant, capacity=1, price_cents=500)
    b_event_id = make_event(b.tenant, capacity=1, price_cents=500)
    session_id = session_of(login_as(a.member).post(f"/{a.tenant.slug}/events/{event_id}/signup"))
    session_of(login_as(b.member).post(f"/{b.tenant.slug}/events/{b_event_id}/signup"))
    with tenant_scope(a.tenant):
        assert release_forgotten_holds() == 0
        assert release_forgotten_holds(now=utcnow() + timedelta(days=1, hours=1)) == 1
        db.session.commit()
    assert seats(a.tenant, event_id) == 0 and seats(b.tenant, b_event_id) == 1
    # Stripe's word that it was paid after all comes late: recorded, no seat, no confirmation.
    deliver(login_as(a.member), standin.pay_session(session_id))
    [late] = registrations(a.tenant, event_id)
    assert late.status == RegistrationStatus.CANCELLED and late.paid_at is not None
    assert not mailed(late.id)
