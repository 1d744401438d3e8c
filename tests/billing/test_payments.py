"""One-off payments for plugins (``start_payment`` in the facade): Checkout in payment mode,
expiring after 31 minutes; Stripe's outcome reaches the ``payment_settled`` hook once, in the
tenant that started the payment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kringwerk.billing.models import StripeEvent
from kringwerk.billing.payments import PaymentError, start_payment
from kringwerk.extensions import db, utcnow
from kringwerk.pluginhost import get_registry, hookimpl
from kringwerk.tenancy.context import tenant_scope
from tests.billing.helpers import deliver


class Collector:
    """Stands in for a plugin that sells something: keeps what it is told."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bool]] = []

    @hookimpl
    def payment_settled(self, tenant, reference, paid):
        if not reference.startswith("test:"):
            return None
        self.calls.append((tenant.slug, reference, paid))
        return True


@pytest.fixture
def collector(app):
    collecting = Collector()
    get_registry(app).pm.register(collecting, name="core.test-payments")
    return collecting


def pay(side, reference, **kwargs):
    with tenant_scope(side.tenant):
        return start_payment(
            reference=reference,
            amount_cents=kwargs.get("amount_cents", 2500),
            description="Regiodag",
            success_url="http://localhost/paid",
            cancel_url="http://localhost/cancelled",
            email="guest@example.com",
            locale="nl",
        )


@pytest.mark.both_databases
def test_a_paid_session_is_settled_once_in_its_tenant(world, client, standin, collector):
    session = pay(world.a, "test:1")
    other = pay(world.b, "test:1")
    assert session.id != other.id
    assert session.expires_at - utcnow() > timedelta(minutes=30)
    call = [r for r in standin.requests if r.path == "/v1/checkout/sessions"][0]
    assert call.params["mode"] == "payment"
    assert call.params["line_items"][0]["price_data"]["unit_amount"] == "2500"
    assert call.params["metadata"] == {"tenant_id": str(world.a.tenant.id), "reference": "test:1"}
    assert call.idempotency_key == f"kringwerk-payment-t{world.a.tenant.id}-test:1"
    # A retry of the same reference gets the same session.
    assert pay(world.a, "test:1").id == session.id

    event = standin.pay_session(session.id)
    assert deliver(client, event).status_code == 200
    assert deliver(client, event).status_code == 200  # replayed
    assert collector.calls == [("kring-a", "test:1", True)]
    assert db.session.get(StripeEvent, event["id"]).outcome == "payment paid: test:1"


def test_an_expired_session_is_settled_unpaid(world, client, standin, collector):
    session = pay(world.a, "test:2")
    deliver(client, standin.expire_session(session.id))
    assert collector.calls == [("kring-a", "test:2", False)]


def test_the_session_is_read_back_from_stripe(world, client, standin, collector):
    """An event whose copy of the session differs from Stripe's (forged metadata, an open
    session) settles nothing."""
    session = pay(world.a, "test:3")
    event = standin.event(
        "checkout.session.completed", {**standin.sessions[session.id], "payment_status": "paid"}
    )
    deliver(client, event)  # Stripe still has it open and unpaid
    assert collector.calls == []
    forged = standin.pay_session(session.id)
    forged["data"]["object"]["metadata"]["tenant_id"] = str(world.b.tenant.id)
    deliver(client, forged)
    assert collector.calls == []


def test_nothing_to_pay_or_billing_off_is_refused(world, app, standin):
    with pytest.raises(PaymentError):
        pay(world.a, "test:4", amount_cents=0)
    app.config["STRIPE_SECRET_KEY"] = app.config["STRIPE_WEBHOOK_SECRET"] = None
    with pytest.raises(PaymentError):
        pay(world.a, "test:5")
    assert standin.requests == []
