"""Paid events: where billing is on and an event has a price, a seat is paid through Stripe
Checkout (the core's ``start_payment``).

The Checkout session is made first, under a fresh random reference, and then the sign-up (or a
guest's confirmation) claims the seat holding that reference until ``payment_expires_at``, the
moment the session expires (31 minutes): Stripe takes no payment after it, so a seat is never
paid after it was passed on. If the sign-up is refused (sold out, a second sign-up) the session
is simply never used. A paid event has no waiting list: a seat from it would be given without
payment. No confirmation mail goes out before the payment. Stripe's outcome arrives through the
``payment_settled`` hook: paid, the registration is confirmed and mailed; expired unpaid, it is
cancelled and the seat is free. Without billing a price is ignored and the event is free.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import billing_enabled, db, hookimpl, money_text, record, start_payment, utcnow
from plugins.events import signup as rules
from plugins.events.models import Event, Registration, RegistrationStatus

REFERENCE = "events:hold:"
# As long as Stripe's Checkout session accepts the payment (30 minutes at least, and a margin).
HOLD = timedelta(minutes=31)
# A hold Stripe never reported on is freed this long after its session expired.
FORGOTTEN_AFTER = timedelta(days=1)


def price_applies(event: Event) -> bool:
    return bool(event.price_cents) and billing_enabled()


def price_label(event: Event) -> str | None:
    """The price of a seat in the currency Checkout charges, in the reader's format (``€ 25,00``),
    or None for a free event."""
    if not price_applies(event):
        return None
    return money_text(event.price_cents)


def _session(
    event: Event, reference: str, expires_at: datetime, *, email: str, locale: str | None, urls: dict
):
    return start_payment(
        reference=reference,
        amount_cents=event.price_cents,
        description=event.title,
        email=email,
        locale=locale or "nl",
        expires_at=expires_at,
        **urls,
    )


def begin(event: Event, *, email: str, locale: str | None, urls: dict) -> tuple[tuple[str, datetime], str]:
    """A Checkout session for one seat of ``event``: returns ``(reference, expiry)`` for the
    sign-up to hold, and the URL to send the person to. Raises ``PaymentError``."""
    if event.capacity is not None and event.seats_taken >= event.capacity:
        raise rules.SignupError("full", _l("This event is sold out."))
    reference = f"{REFERENCE}{secrets.token_hex(12)}"
    expires_at = (utcnow() + HOLD).replace(microsecond=0)
    session = _session(event, reference, expires_at, email=email, locale=locale, urls=urls)
    return (reference, expires_at), session.url


def resume(registration: Registration, *, urls: dict) -> str:
    """The Checkout page of a seat still held: the same session (same reference and expiry)."""
    session = _session(
        registration.event,
        registration.payment_reference,
        registration.payment_expires_at,
        email=registration.email,
        locale=registration.locale,
        urls=urls,
    )
    return session.url


def settle(reference: str, paid: bool) -> bool:
    """The ``payment_settled`` hook's work in the tenant in scope; False when not ours."""
    if not reference.startswith(REFERENCE):
        return False
    registration = db.session.scalar(select(Registration).where(Registration.payment_reference == reference))
    if registration is None or registration.paid_at is not None:
        return True  # a refused sign-up's session, or settled before
    event = registration.event
    if paid and registration.status != RegistrationStatus.CONFIRMED:
        # Freed by release_forgotten_holds before Stripe's word came: no seat, the organiser refunds.
        record(
            "events.paid_after_release",
            target=event,
            target_label=event.title,
            details={"registration": registration.id, "amount_cents": event.price_cents},
        )
        registration.paid_at = utcnow()
    elif paid:
        registration.paid_at = utcnow()
        registration.payment_expires_at = None
        db.session.flush()
        rules._mail_status(event, registration)
        record(
            "events.paid",
            target=event,
            target_label=event.title,
            details={"registration": registration.id, "amount_cents": event.price_cents},
        )
    elif registration.awaiting_payment:
        rules.cancel(registration)
        record(
            "events.payment_expired",
            target=event,
            target_label=event.title,
            details={"registration": registration.id},
        )
    db.session.flush()
    return True


def release_forgotten_holds(now: datetime | None = None) -> int:
    """Free seats whose payment Stripe never reported on, a day after the session expired
    (Stripe retries its events for days; normally ``checkout.session.expired`` frees them)."""
    cutoff = (now or utcnow()) - FORGOTTEN_AFTER
    forgotten = db.session.scalars(
        select(Registration).where(
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.paid_at.is_(None),
            Registration.payment_expires_at.is_not(None),
            Registration.payment_expires_at < cutoff,
        )
    ).all()
    for registration in forgotten:
        rules.cancel(registration)
    return len(forgotten)


@hookimpl
def payment_settled(tenant, reference, paid):
    return settle(reference, paid) or None
