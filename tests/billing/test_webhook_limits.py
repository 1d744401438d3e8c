"""The webhook with CSRF protection and rate limits switched on (off elsewhere in the tests):
Stripe cannot send our CSRF token, so the webhook needs none; a flood is cut off."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kringwerk.billing import views
from kringwerk.billing.models import StripeEvent
from kringwerk.extensions import db
from tests.billing.helpers import PLANS, deliver
from tests.conftest import base_config
from tests.support.stripe_standin import SECRET_KEY, WEBHOOK_SECRET


@pytest.fixture
def app_config(tmp_path, database_url, standin):
    return base_config(
        tmp_path,
        database_url,
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=standin.url,
        BILLING_PLANS=PLANS,
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=True,
    )


def test_the_webhook_needs_no_csrf_token_but_is_rate_limited(world, client, standin, monkeypatch):
    monkeypatch.setattr(views, "WEBHOOK_LIMIT", (3, 60))
    for number in range(3):
        assert deliver(client, standin.event("charge.refunded", {"id": f"ch_{number}"})).status_code == 200
    assert deliver(client, standin.event("charge.refunded", {"id": "ch_9"})).status_code == 429
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 3


def test_the_billing_forms_still_need_their_csrf_token(world, client, standin):
    for side in (world.a, world.b):
        response = client.post(
            f"/{side.tenant.slug}/admin/billing/checkout", data={"plan": "pro", "interval": "month"}
        )
        assert response.status_code == 400
    assert standin.requests == []
