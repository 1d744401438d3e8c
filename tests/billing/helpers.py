"""Helpers of the billing tests: the plans they use, delivering a signed event, subscribing."""

from __future__ import annotations

import re

from tests.support.stripe_standin import signed

PLANS = {
    "currency": "eur",
    "default_plan": "free",
    "plans": [
        {"key": "free", "name": "Free", "price_month": 0, "price_year": 0, "plugins": [], "member_limit": 5},
        {
            "key": "pro",
            "name": "Pro",
            "price_month": "12.50",
            "price_year": 125,
            "plugins": ["dummy", "polls"],
        },
    ],
}


def deliver(client, event, **kwargs):
    body, headers = signed(event, **kwargs)
    return client.post("/stripe/webhook", data=body, headers=headers)


def start_checkout(client, side, plan="pro", interval="month"):
    """The admin of ``side`` (signed in on ``client``) chooses a plan; returns the session id."""
    response = client.post(
        f"/{side.tenant.slug}/admin/billing/checkout", data={"plan": plan, "interval": interval}
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return re.search(r"/c/pay/(cs_test_\w+)$", response.headers["Location"]).group(1)


def subscribe(client, side, standin, **kwargs) -> str:
    """Checkout, paid, and Stripe's event delivered; returns the subscription id."""
    session_id = start_checkout(client, side, **kwargs)
    event = standin.complete_checkout(session_id)
    assert deliver(client, event).status_code == 200
    return standin.sessions[session_id]["subscription"]
