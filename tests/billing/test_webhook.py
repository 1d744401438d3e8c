"""Stripe's webhook: the signature is checked on the raw body, each event is applied once, events
arriving out of order change nothing, the slow work runs in a job, and one tenant's events never
touch another's account."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from kringwerk.billing import services, views
from kringwerk.billing.models import StripeEvent
from kringwerk.extensions import db
from tests.billing.helpers import deliver, start_checkout, subscribe
from tests.support.stripe_standin import WEBHOOK_SECRET, signed


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(StripeEvent))


def subscription_reads(standin) -> int:
    return sum(1 for r in standin.requests if r.path.startswith("/v1/subscriptions/"))


def status(side) -> str | None:
    db.session.expire_all()
    account = services.account_of(side.tenant)
    return account.status if account else None


@pytest.mark.both_databases
def test_a_replayed_event_does_nothing(world, login_as, standin):
    client = login_as(world.a.admin)
    session_id = start_checkout(client, world.a)
    event = standin.complete_checkout(session_id)
    assert deliver(client, event).status_code == 200
    reads = subscription_reads(standin)
    assert status(world.a) == "active"

    # Stripe sends the same event again (a retry): recorded once, nothing re-read or changed.
    standin.subscriptions[standin.sessions[session_id]["subscription"]]["status"] = "past_due"
    assert deliver(client, event).status_code == 200
    assert events() == 1
    assert subscription_reads(standin) == reads
    assert status(world.a) == "active"


@pytest.mark.both_databases
def test_events_out_of_order_keep_the_newest_state(world, login_as, standin):
    client = login_as(world.a.admin)
    subscription = subscribe(client, world.a, standin)
    failed = standin.fail_payment(subscription)  # older
    recovered = standin.renew(subscription)  # newer: paid after all
    assert recovered["created"] > failed["created"]

    deliver(client, recovered)
    assert status(world.a) == "active"
    deliver(client, failed)  # arrives late
    assert status(world.a) == "active"
    late = db.session.get(StripeEvent, failed["id"])
    assert late.outcome == "ignored: older than the state we have"


def test_a_late_event_is_read_back_from_stripe(world, login_as, standin):
    """An event newer than our state is applied from the subscription as Stripe has it now,
    not from the event's own (possibly stale) copy."""
    client = login_as(world.a.admin)
    subscription = subscribe(client, world.a, standin)
    stale = standin.updated(subscription, status="past_due")
    standin.subscriptions[subscription]["status"] = "active"  # Stripe moved on meanwhile
    deliver(client, stale)
    assert status(world.a) == "active"


def test_an_old_subscription_ending_leaves_the_current_one(world, login_as, standin):
    client = login_as(world.a.admin)
    first = subscribe(client, world.a, standin)
    deliver(client, standin.cancel(first))
    second = subscribe(client, world.a, standin)
    assert status(world.a) == "active"
    # A late event about the first subscription (ended) does not end the second.
    standin.tick(5)
    deliver(client, standin.event("customer.subscription.deleted", standin.subscriptions[first]))
    db.session.expire_all()
    account = services.account_of(world.a.tenant)
    assert (account.stripe_subscription_id, account.status) == (second, "active")


@pytest.mark.both_databases
def test_one_tenants_events_never_touch_another(world, login_as, standin):
    client_a = login_as(world.a.admin)
    sub_a = subscribe(client_a, world.a, standin)
    client_b = login_as(world.b.admin)
    subscribe(client_b, world.b, standin)
    assert status(world.a) == status(world.b) == "active"

    deliver(client_b, standin.fail_payment(sub_a))
    assert status(world.a) == "past_due"
    assert status(world.b) == "active"
    deliver(client_b, standin.cancel(sub_a))
    assert status(world.a) == "canceled"
    assert status(world.b) == "active"


def test_an_event_with_another_customer_in_its_metadata_follows_the_customer(world, login_as, standin):
    """The tenant comes from the Stripe customer we made for it, never from metadata in the event."""
    client = login_as(world.a.admin)
    sub_a = subscribe(client, world.a, standin)
    standin.subscriptions[sub_a]["metadata"]["tenant_id"] = str(world.b.tenant.id)
    deliver(client, standin.fail_payment(sub_a))
    assert status(world.a) == "past_due"
    assert services.account_of(world.b.tenant) is None


def test_unknown_customers_and_other_events_are_recorded_and_left_alone(world, client, standin):
    foreign = standin.event("customer.subscription.updated", {"id": "sub_x", "customer": "cus_nobody"})
    other = standin.event("charge.refunded", {"id": "ch_1"})
    assert deliver(client, foreign).status_code == 200
    assert deliver(client, other).status_code == 200
    assert db.session.get(StripeEvent, foreign["id"]).outcome == "ignored: unknown customer"
    assert db.session.get(StripeEvent, other["id"]).outcome == "ignored: not a subscription event"
    assert services.account_of(world.a.tenant) is None and services.account_of(world.b.tenant) is None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Stripe-Signature": "t=1,v1=deadbeef"},
        "wrong secret",
        "body changed",
        "too old",
    ],
)
def test_a_bad_signature_is_refused_and_nothing_recorded(world, client, standin, headers):
    event = standin.event("customer.subscription.updated", {"id": "sub_x", "customer": "cus_x"})
    body, good = signed(event)
    if headers == "wrong secret":
        body, headers = signed(event, secret="whsec_other")
    elif headers == "body changed":
        headers = good
        body = body.replace(b"cus_x", b"cus_y")
    elif headers == "too old":
        body, headers = signed(event, timestamp=1_000_000)
    response = client.post(
        "/stripe/webhook", data=body, headers={"Content-Type": "application/json", **headers}
    )
    assert response.status_code == 400
    assert events() == 0


def test_the_webhook_answers_before_stripe_is_read_and_a_retry_finishes_the_work(world, login_as, standin):
    client = login_as(world.a.admin)
    session_id = start_checkout(client, world.a)
    event = standin.complete_checkout(session_id)
    secret_ok = standin.url
    # Stripe's API cannot be reached: the webhook still answers 200 (the job fails and is logged).
    client.application.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"
    client.application.extensions.pop("kringwerk.billing.stripe", None)
    assert deliver(client, event).status_code == 200
    assert db.session.get(StripeEvent, event["id"]).processed_at is None
    assert status(world.a) is None
    # Stripe delivers the event again later: not yet applied, so the job runs again.
    client.application.config["STRIPE_API_BASE"] = secret_ok
    client.application.extensions.pop("kringwerk.billing.stripe", None)
    assert deliver(client, event).status_code == 200
    assert status(world.a) == "active"
    assert events() == 1


def test_the_webhook_queues_a_platform_job(world, client, standin, monkeypatch):
    queued = []
    monkeypatch.setattr(views, "enqueue", lambda func, *args, **kwargs: queued.append((func, args, kwargs)))
    event = standin.event("customer.subscription.updated", {"id": "sub_x", "customer": "cus_x"})
    assert deliver(client, event).status_code == 200
    assert [(func.__name__, args, kwargs["tenant"]) for func, args, kwargs in queued] == [
        ("process_event", (event["id"],), None)
    ]
    assert kwargs_job_id(queued) == services.job_id_for(event["id"])


def kwargs_job_id(queued) -> str:
    return queued[0][2]["job_id"]


def test_a_body_that_is_not_an_event_is_refused(world, client, standin):
    body = json.dumps({"no": "id"})
    headers = {"Content-Type": "application/json"}
    from stripe import WebhookSignature

    headers["Stripe-Signature"] = WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
    assert client.post("/stripe/webhook", data=body, headers=headers).status_code == 400
    assert events() == 0
