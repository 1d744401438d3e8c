"""One-off payments through Stripe Checkout (payment mode), for plugins: a paid event's seat.

A plugin calls ``start_payment(reference=..., ...)`` inside the tenant's scope and sends the
person to the returned URL. The Checkout session expires after ``HOLD`` (30 minutes, Stripe's
shortest), so whatever the plugin holds for the payment (a seat) is held exactly that long:
Stripe takes no payment after it. When Stripe reports the session paid or expired, the webhook's
job reads the session back from Stripe and calls the ``payment_settled(tenant, reference,
paid)`` hook of the plugins enabled in the tenant; the plugin whose reference it is acts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import format_currency
from flask_babel import lazy_gettext as _l

from kringwerk.billing import stripe_client
from kringwerk.billing.plans import plans
from kringwerk.extensions import db, utcnow
from kringwerk.pluginhost import gating
from kringwerk.tenancy.context import current_tenant_id, tenant_scope
from kringwerk.tenancy.models import Tenant

# Stripe lets a Checkout session expire 30 minutes after it is made at the earliest; a
# minute more leaves room for the time between our clock and Stripe's.
HOLD = timedelta(minutes=31)
PAYMENT_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)


def payment_currency() -> str:
    """The currency Checkout charges in: the plans' one currency, as an ISO code ("EUR")."""
    return plans().currency.upper()


def money_text(amount_cents: int) -> str:
    """An amount in cents in the payment currency, in the reader's format ("€ 25,00" in Dutch)."""
    return format_currency(Decimal(amount_cents) / 100, payment_currency())


class PaymentError(ValueError):
    """A payment that cannot be started; the message is for the person paying."""


@dataclass(frozen=True)
class PaymentSession:
    id: str
    url: str
    expires_at: datetime


def start_payment(
    *,
    reference: str,
    amount_cents: int,
    description: str,
    success_url: str,
    cancel_url: str,
    email: str | None = None,
    locale: str = "nl",
    expires_at: datetime | None = None,
) -> PaymentSession:
    """A Checkout session (payment mode) for ``amount_cents`` in the plans' currency, in the
    tenant in scope. ``reference`` names what is paid for (``events:registration:12``) and must
    be new for every attempt: it is the idempotency key, so a retry gets the same session (give
    the same ``expires_at`` then; by default 31 minutes from now)."""
    if not stripe_client.billing_enabled():
        raise PaymentError(_l("Payments are off on this platform."))
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise RuntimeError("start_payment needs a tenant in scope")
    if amount_cents <= 0:
        raise PaymentError(_l("There is nothing to pay."))
    expires_at = (expires_at or utcnow() + HOLD).replace(microsecond=0)
    metadata = {"tenant_id": str(tenant_id), "reference": reference}
    params: dict[str, Any] = {
        "mode": "payment",
        "client_reference_id": f"t{tenant_id}:{reference}"[:200],
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": plans().currency,
                    "unit_amount": int(amount_cents),
                    "product_data": {"name": description[:250]},
                },
            }
        ],
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "success_url": success_url,
        "cancel_url": cancel_url,
        "locale": locale,
        "expires_at": int(expires_at.timestamp()),
    }
    if email:
        params["customer_email"] = email
    try:
        session = stripe_client.create_checkout_session(
            params, idempotency_key=f"kringwerk-payment-t{tenant_id}-{reference}"[:255]
        )
    except stripe_client.StripeUnavailable as error:
        raise PaymentError(
            _l("Online payment is not available right now; please try again in a moment.")
        ) from error
    return PaymentSession(id=session.id, url=session.url, expires_at=expires_at)


def apply_payment_event(event_type: str, obj: dict[str, Any]) -> str:
    """Settle a payment from a Checkout session event (the webhook job's work)."""
    metadata = obj.get("metadata") or {}
    reference = metadata.get("reference")
    tenant_id = str(metadata.get("tenant_id") or "")
    if not reference or not tenant_id.isdigit():
        return "ignored: not one of our payments"
    # Read back from Stripe: the event's copy may be older than the session's state.
    session = stripe_client.retrieve_checkout_session(obj["id"])
    if (session.get("metadata") or {}) != metadata or session.get("mode") != "payment":
        return "ignored: the session does not match the event"
    paid = session.get("payment_status") in ("paid", "no_payment_required")
    if (
        not paid
        and session.get("status") != "expired"
        and event_type != "checkout.session.async_payment_failed"
    ):
        return "waiting: not paid yet"
    tenant = db.session.get(Tenant, int(tenant_id))
    if tenant is None:
        return "ignored: unknown tenant"
    with tenant_scope(tenant):
        answers = gating.hooks(tenant).payment_settled(tenant=tenant, reference=reference, paid=paid)
    handled = any(answer for answer in answers)
    return f"payment {'paid' if paid else 'not paid'}: {reference}" + (
        "" if handled else " (no plugin took it)"
    )
