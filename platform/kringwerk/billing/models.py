"""A tenant's billing state (``BillingAccount``) and the Stripe events received (``StripeEvent``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kringwerk.extensions import db, utcnow
from kringwerk.sqltypes import UTCDateTime, json_type
from kringwerk.tenancy.models import TenantScoped


class BillingAccount(TenantScoped, db.Model):
    """One per tenant: its Stripe customer, the subscription as Stripe last told us, and a plan
    an operator may give it for free (``comped_plan``, which wins over any subscription).

    ``state_as_of`` is the ``created`` time of the newest Stripe event applied: an older event
    arriving late changes nothing. ``past_due_since`` starts the grace period.
    """

    __tablename__ = "billing_accounts"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", name="uq_billing_accounts_tenant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255))
    plan_key: Mapped[str | None] = mapped_column(String(40))
    interval: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str | None] = mapped_column(String(40))
    current_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    past_due_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comped_plan: Mapped[str | None] = mapped_column(String(40))
    comped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comped_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comp_note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<BillingAccount tenant={self.tenant_id} {self.status}>"


class StripeEvent(db.Model):
    """A Stripe event, recorded once by its id (a replay finds the row and does nothing).

    Not a tenant table: the event arrives before we know its tenant. ``payload`` is the event
    as Stripe sent it; ``processed_at`` is set by the job that applied it.
    """

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict] = mapped_column(json_type())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(Text)
