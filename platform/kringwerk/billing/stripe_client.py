"""The few calls Kringwerk makes to Stripe, through the official SDK.

Each app has one ``stripe.StripeClient`` with its own key and base address (``STRIPE_API_BASE``
points it at the local stand-in in tests); the SDK's global settings are never touched. Every
POST carries an idempotency key we choose (the SDK would add a random one per call), so a
double click or a retried request gets Stripe's first answer instead of a second object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:
    import stripe

# The SDK (about 6 MB) is imported inside the calls, not at the top: most web workers never
# talk to Stripe and need not hold it.

_EXTENSION = "kringwerk.billing.stripe"


class StripeUnavailable(RuntimeError):
    """Stripe could not be reached or refused the call; the caller shows a message."""


def billing_enabled(app: Flask | None = None) -> bool:
    """Billing is on when both Stripe secrets are configured (the embedded default has none)."""
    config = (app or current_app).config
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"))


def client(app: Flask | None = None) -> stripe.StripeClient:
    app = app or current_app._get_current_object()
    existing = app.extensions.get(_EXTENSION)
    if existing is None:
        import stripe

        base = app.config.get("STRIPE_API_BASE")
        existing = stripe.StripeClient(
            app.config["STRIPE_SECRET_KEY"],
            base_addresses={"api": base} if base else None,
            max_network_retries=2,
        )
        app.extensions[_EXTENSION] = existing
    return existing


def _call(method, *args, **kwargs) -> Any:
    import stripe

    try:
        return method(*args, **kwargs)
    except stripe.StripeError as error:
        raise StripeUnavailable(str(error.user_message or error)) from error


def create_customer(*, name: str, email: str | None, tenant_id: int, idempotency_key: str) -> str:
    params: dict[str, Any] = {"name": name, "metadata": {"tenant_id": str(tenant_id)}}
    if email:
        params["email"] = email
    customer = _call(client().v1.customers.create, params, {"idempotency_key": idempotency_key})
    return customer.id


def create_checkout_session(params: dict[str, Any], *, idempotency_key: str):
    return _call(client().v1.checkout.sessions.create, params, {"idempotency_key": idempotency_key})


def create_portal_session(*, customer: str, return_url: str, locale: str, idempotency_key: str):
    params = {"customer": customer, "return_url": return_url, "locale": locale}
    return _call(client().v1.billing_portal.sessions.create, params, {"idempotency_key": idempotency_key})


def retrieve_subscription(subscription_id: str) -> dict[str, Any]:
    subscription = _call(client().v1.subscriptions.retrieve, subscription_id)
    return subscription.to_dict()


def retrieve_checkout_session(session_id: str) -> dict[str, Any]:
    session = _call(client().v1.checkout.sessions.retrieve, session_id)
    return session.to_dict()


def construct_event(payload: bytes, signature: str | None) -> stripe.Event:
    """The verified event; raises ``ValueError`` (not JSON) or ``stripe.SignatureVerificationError``."""
    import stripe

    return stripe.Webhook.construct_event(payload, signature, current_app.config["STRIPE_WEBHOOK_SECRET"])
