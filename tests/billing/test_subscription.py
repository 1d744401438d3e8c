"""Subscribing through Checkout, renewing, a failed payment with its grace period, cancelling:
the real stripe SDK against the local stand-in, events delivered signed to /stripe/webhook."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kringwerk.billing import services
from kringwerk.billing.models import BillingAccount, StripeEvent
from kringwerk.extensions import db, utcnow
from kringwerk.tenancy.context import tenant_scope
from tests.billing.helpers import deliver, start_checkout, subscribe
from tests.support.dummy_plugin.models import DummyNote


def account(side) -> BillingAccount | None:
    db.session.expire_all()
    return services.account_of(side.tenant)


def page(client, side) -> str:
    response = client.get(f"/{side.tenant.slug}/admin/billing/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.both_databases
def test_subscribing_through_checkout_gives_the_plan(world, login_as, standin):
    client = login_as(world.a.admin)
    assert 'data-plan="free"' in page(client, world.a)

    session_id = start_checkout(client, world.a, interval="year")
    created = [r for r in standin.requests if r.path == "/v1/checkout/sessions"][0]
    assert created.params["mode"] == "subscription"
    assert created.params["line_items"][0]["price_data"]["unit_amount"] == "12500"
    assert created.params["line_items"][0]["price_data"]["recurring"] == {"interval": "year"}
    assert created.params["subscription_data"]["metadata"]["plan"] == "pro"
    # Our own fixed idempotency keys, not the SDK's random ones.
    customer_call = [r for r in standin.requests if r.path == "/v1/customers"][0]
    assert customer_call.idempotency_key == f"kringwerk-customer-t{world.a.tenant.id}"
    assert created.idempotency_key.startswith(f"kringwerk-checkout-t{world.a.tenant.id}-pro-year-")
    # A second click gets the same session back.
    assert start_checkout(client, world.a, interval="year") == session_id
    assert len(standin.sessions) == 1

    # Nothing changes before Stripe says the payment went through.
    assert account(world.a).status is None
    assert deliver(client, standin.complete_checkout(session_id)).status_code == 200

    paid = account(world.a)
    assert (paid.status, paid.plan_key, paid.interval) == ("active", "pro", "year")
    assert paid.current_period_end > utcnow() + timedelta(days=360)
    html = page(client, world.a)
    assert 'data-plan="pro"' in html and 'data-status="active"' in html and "data-next-invoice" in html
    assert services.entitlement(world.a.tenant).plan.key == "pro"
    # Tenant B has no account at all, and its page still shows the free plan.
    assert account(world.b) is None
    assert 'data-plan="free"' in page(login_as(world.b.admin), world.b)


def test_renewal_moves_the_next_invoice_date(world, login_as, standin):
    client = login_as(world.a.admin)
    subscription = subscribe(client, world.a, standin)
    first_end = account(world.a).current_period_end
    deliver(client, standin.renew(subscription))
    renewed = account(world.a)
    assert renewed.status == "active"
    assert renewed.current_period_end > first_end + timedelta(days=29)


@pytest.mark.both_databases
def test_failed_payment_keeps_the_plan_for_14_days_then_paid_plugins_are_read_only(
    world, login_as, standin, with_dummy
):
    client = login_as(world.a.admin)
    subscription = subscribe(client, world.a, standin)
    note_a = with_dummy["kring-a"]
    deliver(client, standin.fail_payment(subscription))
    overdue = account(world.a)
    assert overdue.status == "past_due" and overdue.past_due_since is not None

    # In grace: the plan holds, changes go through, the page warns with the end date.
    assert services.entitlement(world.a.tenant).source == "grace"
    assert client.post(f"/{world.a.tenant.slug}/dummy/unguarded").status_code == 200
    assert "The last payment failed" in page(client, world.a)

    # Fifteen days later the grace is over.
    with tenant_scope(world.a.tenant):
        overdue.past_due_since = utcnow() - timedelta(days=15)
        db.session.commit()
    assert services.entitlement(world.a.tenant).source == "lapsed"
    refused = client.post(f"/{world.a.tenant.slug}/dummy/notes/{note_a}/delete")
    assert refused.status_code == 403
    assert "Dummy is read-only" in refused.get_data(as_text=True)
    assert "Nothing has been deleted" in refused.get_data(as_text=True)
    with tenant_scope(world.a.tenant):
        assert db.session.get(DummyNote, note_a) is not None
    # Reading still works; the page says what happened.
    assert client.get(f"/{world.a.tenant.slug}/dummy/notes/{note_a}").status_code == 200
    assert "Read-only" in page(client, world.a)
    # Tenant B (no subscription, the dummy plugin outside its free plan) is read-only too, but
    # through its own state: A's events never touched B's account.
    assert account(world.b) is None

    # Paying again lifts it.
    deliver(client, standin.renew(subscription))
    assert account(world.a).status == "active"
    assert client.post(f"/{world.a.tenant.slug}/dummy/notes/{note_a}/delete").status_code == 200


def test_cancelled_subscription_falls_back_to_the_free_plan(world, login_as, standin, with_dummy):
    client = login_as(world.a.admin)
    subscription = subscribe(client, world.a, standin)
    assert client.post(f"/{world.a.tenant.slug}/dummy/unguarded").status_code == 200
    deliver(client, standin.cancel(subscription))
    cancelled = account(world.a)
    assert cancelled.status == "canceled"
    assert services.entitlement(world.a.tenant).plan.key == "free"
    assert client.post(f"/{world.a.tenant.slug}/dummy/unguarded").status_code == 403
    html = page(client, world.a)
    assert 'data-plan="free"' in html and 'data-status="canceled"' in html
    # After cancelling, the admin may subscribe again.
    assert start_checkout(client, world.a)


def test_cancel_at_period_end_shows_the_end_date(world, login_as, standin):
    client = login_as(world.a.admin)
    subscription = subscribe(client, world.a, standin)
    deliver(client, standin.updated(subscription, cancel_at_period_end=True))
    assert account(world.a).cancel_at_period_end is True
    assert "Subscription ends on" in page(client, world.a)


def test_every_event_is_recorded_with_its_outcome(world, login_as, standin):
    client = login_as(world.a.admin)
    subscribe(client, world.a, standin)
    rows = db.session.query(StripeEvent).all()
    assert [(row.type, row.outcome) for row in rows] == [("checkout.session.completed", "applied: active")]
