"""Stripe delivers an event several times at once (its retries overlap): on PostgreSQL, one
row, one change of the account, one audit entry, and every delivery answered 200."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from kringwerk.audit.models import AuditEntry
from kringwerk.billing import services
from kringwerk.billing.models import StripeEvent
from kringwerk.extensions import db
from kringwerk.tenancy.context import tenant_scope
from tests.billing.helpers import start_checkout
from tests.support.stripe_standin import signed

DELIVERIES = 8


@pytest.mark.postgresql_only
def test_the_same_event_delivered_at_once_is_applied_once(app, world, login_as, standin):
    client = login_as(world.a.admin)
    session_id = start_checkout(client, world.a)
    body, headers = signed(standin.complete_checkout(session_id))
    barrier = threading.Barrier(DELIVERIES)
    answers: list[int] = []
    errors: list[Exception] = []

    def deliver():
        try:
            barrier.wait(timeout=30)
            answers.append(app.test_client().post("/stripe/webhook", data=body, headers=headers).status_code)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(DELIVERIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert answers == [200] * DELIVERIES
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 1
    assert services.account_of(world.a.tenant).status == "active"
    with tenant_scope(world.a.tenant):
        changes = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "billing.subscription_changed")
        )
    assert changes == 1
    assert services.account_of(world.b.tenant) is None
