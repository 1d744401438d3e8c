"""Billing rules, callable without a request.

* Billing is on only when both Stripe secrets are set (``stripe_client.billing_enabled``); off,
  every plugin is free to enable and nothing is read-only.
* What a tenant may use is its ``Entitlement``: a plan an operator comped wins; then a
  subscription that is active or trialing; a ``past_due`` one keeps its plan for ``GRACE`` (14
  days from the first failed payment); anything else falls back to the free default plan.
* Enabling a plugin outside the entitled plan is refused with a pointer to the cheapest plan
  that has it (``plan_refusal``, asked by ``pluginhost.services.enable_plugin``). A plugin that
  is enabled but outside the plan (grace over, subscription ended) becomes read-only: its
  changes are refused (``guard``), its data stays.
* Stripe's events are recorded once by id; the job applies them by re-reading the subscription
  from Stripe, under a lock on the tenant's account, and an event older than the state we have
  changes nothing (events arrive out of order).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kringwerk.audit.services import record
from kringwerk.billing import payments, stripe_client
from kringwerk.billing.models import BillingAccount, StripeEvent
from kringwerk.billing.plans import INTERVALS, Plan, plans
from kringwerk.extensions import db, utcnow
from kringwerk.pluginhost import gating
from kringwerk.tenancy.context import tenant_scope, unscoped
from kringwerk.tenancy.models import Tenant

log = logging.getLogger("kringwerk.billing")

GRACE = timedelta(days=14)
# Subscription states in which the subscription still holds its plan (past_due: during grace).
LIVE = frozenset({"active", "trialing", "past_due"})
# The events the job acts on; any other type is recorded and left alone.
SUBSCRIPTION_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
        "invoice.paid",
        "invoice.payment_succeeded",
        "invoice.payment_failed",
    }
)


class BillingError(ValueError):
    """A billing action that cannot be done; the message is for the user."""


# Stripe's subscription states, in the reader's language.
STATUS_LABELS = {
    "active": _l("Active"),
    "trialing": _l("Trial"),
    "past_due": _l("Payment overdue"),
    "unpaid": _l("Unpaid"),
    "canceled": _l("Cancelled"),
    "incomplete": _l("Awaiting the first payment"),
    "incomplete_expired": _l("First payment failed"),
    "paused": _l("Paused"),
}
# Why a tenant has the plan it has, in the reader's language.
SOURCE_LABELS = {
    "off": _l("Billing is off: every module is free"),
    "comp": _l("Provided free of charge by the platform"),
    "subscription": _l("Paid subscription"),
    "grace": _l("Paid subscription, payment overdue"),
    "lapsed": _l("Free plan: the payment is overdue for more than 14 days"),
    "default": _l("Free plan"),
}


# --- what a tenant may use ------------------------------------------------------------------


@dataclass(frozen=True)
class Entitlement:
    """What billing allows a tenant now, and why (``source``)."""

    enabled: bool  # billing is on
    plan: Plan | None  # the plan in force (None when billing is off)
    source: str  # off | comp | subscription | grace | lapsed | default
    account: BillingAccount | None = None
    subscribed_plan: Plan | None = None
    grace_until: datetime | None = None

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS[self.source])

    @property
    def status_label(self) -> str | None:
        """Stripe's state of the subscription, if there is one, in the reader's language."""
        status = self.account.status if self.account is not None else None
        return str(STATUS_LABELS.get(status, status)) if status else None

    def allows(self, plugin_key: str) -> bool:
        return not self.enabled or (self.plan is not None and self.plan.includes(plugin_key))


def billing_enabled() -> bool:
    return stripe_client.billing_enabled()


def account_of(tenant) -> BillingAccount | None:
    with tenant_scope(tenant):
        return db.session.scalar(select(BillingAccount))


def _ensure_account(tenant) -> BillingAccount:
    account = account_of(tenant)
    if account is None:
        with tenant_scope(tenant):
            account = BillingAccount()
            db.session.add(account)
            db.session.flush()
    return account


def entitlement(tenant, now: datetime | None = None) -> Entitlement:
    if not billing_enabled():
        return Entitlement(enabled=False, plan=None, source="off")
    return entitlement_of(account_of(tenant), now)


def entitlements(tenant_ids) -> dict[int, Entitlement]:
    """The entitlement of each of ``tenant_ids`` in one statement (the operator's console);
    call inside a named crossing."""
    ids = list(tenant_ids)
    if not billing_enabled():
        return {tenant_id: Entitlement(enabled=False, plan=None, source="off") for tenant_id in ids}
    accounts = {
        account.tenant_id: account
        for account in db.session.scalars(select(BillingAccount).where(BillingAccount.tenant_id.in_(ids)))
    }
    now = utcnow()
    return {tenant_id: entitlement_of(accounts.get(tenant_id), now) for tenant_id in ids}


def entitlement_of(account: BillingAccount | None, now: datetime | None = None) -> Entitlement:
    """What billing (on) allows the tenant of ``account`` (None: it never had one)."""
    now = now or utcnow()
    catalogue = plans()
    if account is None:
        return Entitlement(enabled=True, plan=catalogue.default, source="default")
    comped = catalogue.get(account.comped_plan)
    subscribed = catalogue.get(account.plan_key) if account.status in LIVE else None
    common = {"enabled": True, "account": account, "subscribed_plan": subscribed}
    if comped is not None:
        return Entitlement(plan=comped, source="comp", **common)
    if subscribed is not None and account.status in ("active", "trialing"):
        return Entitlement(plan=subscribed, source="subscription", **common)
    if subscribed is not None and account.status == "past_due":
        grace_until = (account.past_due_since or now) + GRACE
        if now < grace_until:
            return Entitlement(plan=subscribed, source="grace", grace_until=grace_until, **common)
        return Entitlement(plan=catalogue.default, source="lapsed", grace_until=grace_until, **common)
    return Entitlement(plan=catalogue.default, source="default", **common)


def plan_refusal(tenant, plugin_key: str) -> str | None:
    """Why ``plugin_key`` may not be enabled in ``tenant`` under its plan, or None."""
    current = entitlement(tenant)
    if current.allows(plugin_key):
        return None
    upgrade = plans().cheapest_with(plugin_key)
    if upgrade is None:
        return str(
            _l(
                "This module is not part of any plan (%(plan)s is yours); the platform's operator can give it to you.",
                plan=current.plan.name,
            )
        )
    return str(
        _l(
            "This module is not part of the %(plan)s plan. Upgrade to %(upgrade)s on the billing page to enable it.",
            plan=current.plan.name,
            upgrade=upgrade.name,
        )
    )


def read_only_plugins(tenant) -> frozenset[str]:
    """Plugins enabled in ``tenant`` that its plan no longer covers: they may be read, not changed."""
    if not billing_enabled():
        return frozenset()
    current = entitlement(tenant)
    return frozenset(key for key in gating.enabled_keys(tenant) if not current.allows(key))


def member_count(tenant) -> int:
    from kringwerk.accounts.models import Membership

    with tenant_scope(tenant):
        return db.session.scalar(select(func.count()).select_from(Membership)) or 0


@dataclass(frozen=True)
class PeopleRoom:
    """How many people ``tenant`` has against its plan's member limit: memberships, and open
    invitations (each may become one). ``limit`` None: no limit (or billing off)."""

    plan: Plan | None
    source: str
    members: int
    invited: int
    limit: int | None

    @property
    def taken(self) -> int:
        return self.members + self.invited

    @property
    def full(self) -> bool:
        return self.limit is not None and self.taken >= self.limit


def people_room(tenant, *, lock: bool = False) -> PeopleRoom:
    """The plan's member limit counts people with a membership (the plans' wording: "the number
    of people a tenant may have"), not companies; an open invitation holds a place, so inviting
    cannot run past the limit. ``lock`` takes the tenant's row (PostgreSQL) so two board members
    inviting at once cannot both take the last place."""
    from kringwerk.accounts.models import Invitation, Membership

    current = entitlement(tenant)
    if lock:
        db.session.execute(select(Tenant.id).where(Tenant.id == tenant.id).with_for_update())
    with tenant_scope(tenant):
        members = db.session.scalar(select(func.count()).select_from(Membership)) or 0
        invited = (
            db.session.scalar(
                select(func.count())
                .select_from(Invitation)
                .where(
                    Invitation.accepted_at.is_(None),
                    Invitation.revoked_at.is_(None),
                    Invitation.expires_at > utcnow(),
                )
            )
            or 0
        )
    limit = current.plan.member_limit if current.enabled and current.plan is not None else None
    return PeopleRoom(current.plan, current.source, members, invited, limit)


def people_refusal(tenant, *, accepting: bool = False) -> str | None:
    """Why one more person may not join ``tenant`` under its plan, or None. Inviting counts the
    open invitations; ``accepting`` an invitation counts only memberships (that invitation's place
    was held for it, but a smaller plan since may have no room left)."""
    room = people_room(tenant, lock=True)
    if room.limit is None:
        return None
    taken = room.members if accepting else room.taken
    if taken < room.limit:
        return None
    limit, count = format_number(room.limit), format_number(room.taken)
    if accepting:
        return str(
            _l(
                "%(tenant)s has reached the %(limit)s people its plan allows, so this invitation cannot be "
                "accepted now. Ask its board to choose a larger plan.",
                tenant=tenant.name,
                limit=limit,
            )
        )
    if room.source == "comp":
        return str(
            _l(
                "The %(plan)s plan allows %(limit)s people and %(tenant)s has %(count)s, open invitations "
                "included. Withdraw an open invitation, or ask the platform's operator for a larger plan.",
                plan=room.plan.name,
                limit=limit,
                tenant=tenant.name,
                count=count,
            )
        )
    return str(
        _l(
            "The %(plan)s plan allows %(limit)s people and %(tenant)s has %(count)s, open invitations "
            "included. Upgrade to a larger plan on the billing page, or withdraw an open invitation.",
            plan=room.plan.name,
            limit=limit,
            tenant=tenant.name,
            count=count,
        )
    )


def _plan_name(key: str | None) -> str | None:
    """A plan as the trail shows it: its name (a key no longer configured stays as it was)."""
    plan = plans().get(key)
    return plan.name if plan is not None else key


# --- the operator's comp ------------------------------------------------------------------


def comp_plan(tenant, plan_key: str | None, *, actor, note: str = "") -> BillingAccount | None:
    """Give ``tenant`` the plan ``plan_key`` for free (None ends the comp). Works with billing
    on or off, so a tenant keeps its plan when billing is switched on later."""
    if plan_key and plans().get(plan_key) is None:
        raise BillingError(_l("There is no plan called “%(key)s”.", key=plan_key))
    if not plan_key and account_of(tenant) is None:
        return None  # nothing comped, nothing to end
    account = _ensure_account(tenant)
    previous = account.comped_plan
    if previous == (plan_key or None) and (account.comp_note or "") == note:
        return account
    with tenant_scope(tenant):
        account.comped_plan = plan_key or None
        account.comped_at = utcnow() if plan_key else None
        account.comped_by_id = getattr(actor, "id", None) if plan_key else None
        account.comp_note = (note or None) if plan_key else None
        record(
            "billing.comped" if plan_key else "billing.comp_ended",
            actor=actor,
            target=account,
            target_label=_plan_name(plan_key or previous),
            details={"plan": [previous, plan_key or None], **({"note": note} if note else {})},
        )
        db.session.flush()
    gating.forget(tenant)
    return account


# --- Checkout and the customer portal -----------------------------------------------------


def _window(minutes: int) -> str:
    """A time window for an idempotency key: the same click within it gets the same session."""
    now = utcnow()
    return now.strftime("%Y%m%d%H") + f"{now.minute // minutes:02d}"


def ensure_customer(tenant) -> BillingAccount:
    account = _ensure_account(tenant)
    if account.stripe_customer_id is None:
        # Fixed per tenant: a rollback after Stripe made the customer gets the same one back.
        customer = stripe_client.create_customer(
            name=tenant.name,
            email=tenant.contact_email,
            tenant_id=tenant.id,
            idempotency_key=f"kringwerk-customer-t{tenant.id}",
        )
        with tenant_scope(tenant):
            account.stripe_customer_id = customer
            db.session.flush()
    return account


def start_checkout(
    tenant, plan_key: str, interval: str, *, actor, success_url: str, cancel_url: str, locale: str
) -> str:
    """Open a Stripe Checkout session (subscription mode) for ``plan_key``; returns its URL."""
    if not billing_enabled():
        raise BillingError(_l("Billing is off on this platform: every module is free."))
    plan = plans().get(plan_key)
    if plan is None or plan.is_free:
        raise BillingError(_l("Choose one of the paid plans."))
    if interval not in INTERVALS:
        raise BillingError(_l("Choose monthly or yearly payment."))
    current = account_of(tenant)
    if current is not None and current.comped_plan:
        raise BillingError(_l("Your plan is provided by the platform; there is nothing to pay."))
    if current is not None and current.status in LIVE:
        raise BillingError(_l("You already have a subscription: change or cancel it in the customer portal."))
    account = ensure_customer(tenant)
    metadata = {"tenant_id": str(tenant.id), "plan": plan.key, "interval": interval}
    price = plan.stripe_price(interval)
    line_item: dict[str, Any] = {"quantity": 1}
    if price:
        line_item["price"] = price
    else:
        line_item["price_data"] = {
            "currency": plans().currency,
            "unit_amount": plan.cents(interval),
            "recurring": {"interval": interval},
            "product_data": {"name": f"Kringwerk {plan.name}"},
        }
    params = {
        "mode": "subscription",
        "customer": account.stripe_customer_id,
        "client_reference_id": str(tenant.id),
        "line_items": [line_item],
        "metadata": metadata,
        "subscription_data": {"metadata": metadata},
        "success_url": success_url,
        "cancel_url": cancel_url,
        "locale": locale,
    }
    session = stripe_client.create_checkout_session(
        params, idempotency_key=f"kringwerk-checkout-t{tenant.id}-{plan.key}-{interval}-{_window(10)}"
    )
    with tenant_scope(tenant):
        record(
            "billing.checkout_started",
            actor=actor,
            target=account,
            target_label=plan.name,
            details={"plan": plan.key, "interval": interval},
        )
    return session.url


def portal_url(tenant, *, return_url: str, locale: str) -> str:
    """A Stripe customer portal session for the tenant (payment methods, invoices, cancelling)."""
    if not billing_enabled():
        raise BillingError(_l("Billing is off on this platform: every module is free."))
    account = account_of(tenant)
    if account is None or account.stripe_customer_id is None:
        raise BillingError(_l("There is nothing to manage yet: subscribe to a plan first."))
    session = stripe_client.create_portal_session(
        customer=account.stripe_customer_id,
        return_url=return_url,
        locale=locale,
        idempotency_key=f"kringwerk-portal-t{tenant.id}-{_window(1)}",
    )
    return session.url


# --- Stripe's events ------------------------------------------------------------------------


def _timestamp(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def record_event(event: dict[str, Any]) -> StripeEvent | None:
    """Keep a verified event once; None when its id was recorded before and has been applied."""
    existing = db.session.get(StripeEvent, event["id"])
    if existing is not None:
        return existing if existing.processed_at is None else None
    row = StripeEvent(
        id=event["id"],
        type=str(event.get("type", ""))[:100],
        created=_timestamp(event.get("created")) or utcnow(),
        payload=event,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        # The same event arrived twice at once: the other request recorded it.
        return None
    return row


def job_id_for(event_id: str) -> str:
    return "stripe-" + re.sub(r"[^A-Za-z0-9_-]", "_", event_id)[:100]


def _invoice_subscription(invoice: dict[str, Any]) -> str | None:
    # Newer API versions keep it under parent.subscription_details; older ones at the top.
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return details.get("subscription") or invoice.get("subscription")


def _subscription_and_customer(event_type: str, obj: dict[str, Any]) -> tuple[str | None, str | None]:
    if event_type.startswith("customer.subscription."):
        return obj.get("id"), obj.get("customer")
    if event_type.startswith("invoice."):
        return _invoice_subscription(obj), obj.get("customer")
    if event_type == "checkout.session.completed" and obj.get("mode") == "subscription":
        return obj.get("subscription"), obj.get("customer")
    return None, None


def _tenant_of_customer(customer: str) -> Tenant | None:
    with unscoped("stripe event: find the tenant of a Stripe customer"):
        tenant_id = db.session.scalar(
            select(BillingAccount.tenant_id).where(BillingAccount.stripe_customer_id == customer)
        )
    return db.session.get(Tenant, tenant_id) if tenant_id is not None else None


def apply_event(event_id: str) -> str:
    """Apply a recorded event (the job's work); returns what was done, kept as ``outcome``."""
    row = db.session.get(StripeEvent, event_id)
    if row is None or row.processed_at is not None:
        return "nothing to do"
    outcome = _apply(row)
    row.processed_at = utcnow()
    row.outcome = outcome
    return outcome


def _apply(row: StripeEvent) -> str:
    obj = (row.payload.get("data") or {}).get("object") or {}
    if row.type in payments.PAYMENT_EVENTS and obj.get("mode") == "payment":
        return payments.apply_payment_event(row.type, obj)
    if row.type not in SUBSCRIPTION_EVENTS:
        return "ignored: not a subscription event"
    subscription_id, customer = _subscription_and_customer(row.type, obj)
    if not subscription_id or not customer:
        return "ignored: no subscription"
    tenant = _tenant_of_customer(customer)
    if tenant is None:
        log.warning("stripe event %s: customer %s belongs to no tenant", row.id, customer)
        return "ignored: unknown customer"
    with tenant_scope(tenant):
        # The lock keeps two jobs for one tenant from applying their readings out of order.
        account = db.session.scalar(select(BillingAccount).with_for_update())
        same = account.stripe_subscription_id in (None, subscription_id)
        if same and account.state_as_of is not None and row.created < account.state_as_of:
            return "ignored: older than the state we have"
        subscription = stripe_client.retrieve_subscription(subscription_id)
        if subscription.get("customer") != customer:
            return "ignored: the subscription belongs to another customer"
        if not same and account.status in LIVE and subscription.get("status") not in LIVE:
            return "ignored: an ended subscription that is not the current one"
        changed = apply_subscription(account, subscription, as_of=row.created)
    gating.forget(tenant)
    return f"applied: {subscription.get('status')}" + ("" if changed else " (unchanged)")


def _plan_of(subscription: dict[str, Any]) -> tuple[str | None, str | None]:
    items = ((subscription.get("items") or {}).get("data")) or []
    price = (items[0].get("price") or {}) if items else {}
    found = plans().for_stripe_price(price.get("id"))
    if found is not None:
        return found[0].key, found[1]
    metadata = subscription.get("metadata") or {}
    interval = (price.get("recurring") or {}).get("interval") or metadata.get("interval")
    plan = plans().get(metadata.get("plan"))
    return (plan.key if plan else None), (interval if interval in INTERVALS else None)


def _period_end(subscription: dict[str, Any]) -> datetime | None:
    # Since API version 2025-03-31 the billing period lives on the subscription's items.
    items = ((subscription.get("items") or {}).get("data")) or []
    ends = [item["current_period_end"] for item in items if item.get("current_period_end")]
    return _timestamp(max(ends) if ends else subscription.get("current_period_end"))


def apply_subscription(account: BillingAccount, subscription: dict[str, Any], *, as_of: datetime) -> bool:
    """Store Stripe's view of a subscription on the account; True when anything changed."""
    status = str(subscription.get("status") or "")
    plan_key, interval = _plan_of(subscription)
    before = {
        "status": account.status,
        "plan": account.plan_key,
        "interval": account.interval,
        "current_period_end": account.current_period_end,
        "cancel_at_period_end": account.cancel_at_period_end,
    }
    account.stripe_subscription_id = subscription.get("id")
    account.status = status
    account.plan_key = plan_key
    account.interval = interval
    account.current_period_end = _period_end(subscription)
    account.cancel_at_period_end = bool(
        subscription.get("cancel_at_period_end") or subscription.get("cancel_at")
    )
    if status == "past_due":
        if before["status"] != "past_due" or account.past_due_since is None:
            account.past_due_since = as_of
    else:
        account.past_due_since = None
    account.state_as_of = max(as_of, account.state_as_of) if account.state_as_of else as_of
    after = {
        "status": account.status,
        "plan": account.plan_key,
        "interval": account.interval,
        "current_period_end": account.current_period_end,
        "cancel_at_period_end": account.cancel_at_period_end,
    }
    changes = {key: [_plain(before[key]), _plain(after[key])] for key in after if before[key] != after[key]}
    if changes:
        record(
            "billing.subscription_changed", target=account, target_label=_plan_name(plan_key), details=changes
        )
    db.session.flush()
    return bool(changes)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
