"""Without billing a price is ignored: the event is free and signing up works as always."""

from __future__ import annotations

from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.events.models import Registration, RegistrationStatus
from tests.plugins.events.conftest import make_event


def test_a_price_without_billing_is_ignored(events_world, login_as):
    a = events_world.a
    event_id = make_event(a.tenant, capacity=2, price_cents=2500)
    client = login_as(a.member)
    page = client.get(f"/{a.tenant.slug}/events/{event_id}").get_data(as_text=True)
    assert "data-price" not in page
    assert "Price per seat" not in login_as(a.admin).get(f"/{a.tenant.slug}/events/new").get_data(
        as_text=True
    )
    response = login_as(a.member).post(f"/{a.tenant.slug}/events/{event_id}/signup")
    assert response.status_code == 200
    with tenant_scope(a.tenant):
        [registration] = db.session.scalars(select(Registration).where(Registration.event_id == event_id))
        assert registration.status == RegistrationStatus.CONFIRMED and not registration.awaiting_payment
    with tenant_scope(events_world.b.tenant):
        assert db.session.scalars(select(Registration)).all() == []
