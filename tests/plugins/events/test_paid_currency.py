"""A paid event's price is shown in the currency Checkout charges (the plans' one currency, not
a fixed euro), in the reader's number format, and typed the way the reader writes amounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kringwerk.accounts.models import User
from kringwerk.extensions import db, utcnow
from kringwerk.tenancy import tenant_scope
from plugins.events.forms import plain_amount
from plugins.events.models import Event
from tests.conftest import base_config
from tests.plugins.events.conftest import make_event
from tests.support.stripe_standin import SECRET_KEY, WEBHOOK_SECRET, StandInServer

PLANS = {
    "currency": "usd",
    "default_plan": "free",
    "plans": [
        {"key": "free", "name": "Free", "price_month": 0, "price_year": 0, "plugins": ["events", "dummy"]}
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


def dutch(user) -> None:
    db.session.get(User, user.id).preferred_locale = "nl"
    db.session.commit()


def test_the_price_is_in_the_currency_checkout_charges(events_world, login_as, standin):
    a, b = events_world.a, events_world.b
    event_id = make_event(a.tenant, capacity=5, price_cents=2500)
    b_event_id = make_event(b.tenant, capacity=5, price_cents=900)
    client = login_as(a.member)
    page = client.get(f"/{a.tenant.slug}/events/{event_id}").get_data(as_text=True).replace("\xa0", " ")
    assert "$25.00" in page and "€" not in page
    client.post(f"/{a.tenant.slug}/events/{event_id}/signup")
    [created] = [r for r in standin.requests if r.path == "/v1/checkout/sessions"]
    assert created.params["line_items"][0]["price_data"]["currency"] == "usd"
    # A Dutch reader reads the same dollars with a decimal comma.
    dutch(a.official)
    page = login_as(a.official).get(f"/{a.tenant.slug}/events/{event_id}").get_data(as_text=True)
    assert "US$ 25,00" in page.replace("\xa0", " ")
    # B's event keeps its own price, and B's member cannot open A's event.
    b_client = login_as(b.member)
    assert "$9.00" in b_client.get(f"/{b.tenant.slug}/events/{b_event_id}").get_data(as_text=True)
    assert b_client.get(f"/{a.tenant.slug}/events/{event_id}").status_code == 404


def test_a_dutch_organiser_types_and_reads_a_decimal_comma(events_world, login_as, standin):
    a, b = events_world.a, events_world.b
    dutch(a.admin)
    client = login_as(a.admin)
    form = client.get(f"/{a.tenant.slug}/events/new").get_data(as_text=True)
    assert "Prijs per plaats (US$)" in form and 'inputmode="decimal"' in form
    start = utcnow() + timedelta(days=10)
    response = client.post(
        f"/{a.tenant.slug}/events/new",
        data={
            "title": "Regiodag",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "audience": "members",
            "price": "17,50",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    with tenant_scope(a.tenant):
        event = db.session.scalar(select(Event).where(Event.title == "Regiodag"))
        assert event.price_cents == 1750
        event_id = event.id
    edit = client.get(f"/{a.tenant.slug}/events/{event_id}/edit").get_data(as_text=True)
    assert 'value="17,50"' in edit
    with tenant_scope(b.tenant):
        assert db.session.scalar(select(Event).where(Event.title == "Regiodag")) is None
    assert login_as(b.admin).get(f"/{a.tenant.slug}/events/{event_id}/edit").status_code == 404


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("17,50", "17.50"),
        ("17.50", "17.50"),
        ("17,5", "17.5"),
        ("1.250,00", "1250.00"),
        ("1,250.00", "1250.00"),
        ("1.250", "1250"),
        (" 25 ", "25"),
    ],
)
def test_amounts_are_read_in_either_language(typed, plain):
    assert plain_amount(typed) == plain
