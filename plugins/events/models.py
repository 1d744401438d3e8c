"""Tables of the events plugin: events (theme meetings, networking events) with
their themes, and the registrations for them.

Times are stored in UTC (``UTCDateTime``) and shown in Europe/Amsterdam. The
seats an event has given away are counted on the event row itself
(``seats_taken``): a sign-up claims a seat with one conditional UPDATE of that
row in the transaction that writes the registration, so the database, not
Python, keeps the count within the capacity (see ``plugins.events.signup``).
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kringwerk.plugin_api import TenantScoped, Theme, UTCDateTime, db, json_type, str_enum, tenant_fk, utcnow


class Audience(enum.StrEnum):
    MEMBERS = "members"  # the tenant's own members
    NETWORK = "network"  # also the members of every association actively in the tenant's network
    PUBLIC = "public"  # anyone; guests sign up with name and e-mail

    @property
    def label(self) -> str:
        return {
            Audience.MEMBERS: _l("Members"),
            Audience.NETWORK: _l("Members of the associations in the network"),
            Audience.PUBLIC: _l("Everyone (public)"),
        }[self]


class EventState(enum.StrEnum):
    DRAFT = "draft"  # only organisers see it
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            EventState.DRAFT: _l("Draft"),
            EventState.PUBLISHED: _l("Published"),
            EventState.CANCELLED: _l("Cancelled"),
        }[self]


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"  # holds a seat
    WAITING = "waiting"  # on the waiting list, in order of ``position``
    PENDING = "pending"  # a guest who has not yet confirmed by the link; no seat yet
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            RegistrationStatus.CONFIRMED: _l("Confirmed"),
            RegistrationStatus.WAITING: _l("On the waiting list"),
            RegistrationStatus.PENDING: _l("Waiting for e-mail confirmation"),
            RegistrationStatus.CANCELLED: _l("Cancelled"),
        }[self]


# The token service's purposes: a guest confirms by link; anyone cancels from the e-mail.
GUEST_CONFIRM = "events.guest_confirm"
CANCEL_LINK = "events.cancel"
# A person's own calendar feed of what they signed up for, in every tenant; the subject is the user.
PERSONAL_FEED = "events.feed"
# A person promoted from the waiting list confirms they still come; the subject is the registration.
OFFER_CONFIRM = "events.offer"

event_themes = Table(
    "event_themes",
    db.Model.metadata,
    Column("tenant_id", ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", Integer, nullable=False),
    Column("theme_id", Integer, nullable=False),
    PrimaryKeyConstraint("tenant_id", "event_id", "theme_id"),
    Index("ix_event_themes_tenant_theme_id", "tenant_id", "theme_id"),
    ForeignKeyConstraint(["tenant_id", "event_id"], ["events.tenant_id", "events.id"], ondelete="CASCADE"),
    ForeignKeyConstraint(["tenant_id", "theme_id"], ["themes.tenant_id", "themes.id"], ondelete="CASCADE"),
)


class Event(TenantScoped, db.Model):
    """A meeting on the tenant's calendar: a theme meeting, a networking event, a regional day."""

    __tablename__ = "events"
    __tenant_table_args__ = (Index("ix_events_tenant_starts_at", "tenant_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    organiser: Mapped[str | None] = mapped_column(String(200))  # shown; defaults to the tenant's name
    partners: Mapped[str | None] = mapped_column(String(500))  # partner organisations, as text
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    # The price of a seat in cents, paid through Stripe Checkout where billing is on (None: free).
    price_cents: Mapped[int | None] = mapped_column(Integer)
    # Confirmed seats, changed only by the conditional updates in plugins.events.signup.
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    # A counter bumped by every claim under the row's lock: the waiting list's arrival order.
    arrivals: Mapped[int] = mapped_column(Integer, default=0)
    signup_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    audience: Mapped[Audience] = mapped_column(str_enum(Audience, "event_audience"), default=Audience.MEMBERS)
    state: Mapped[EventState] = mapped_column(str_enum(EventState, "event_state"), default=EventState.DRAFT)
    # Extra sign-up questions: [{"key": "q1", "label": "Dieetwensen", "required": false}, ...]
    questions: Mapped[list] = mapped_column(json_type(), default=list)
    # Contact persons to invite when the event is published (a follow-up of a poll's match).
    invited_contact_ids: Mapped[list] = mapped_column(json_type(), default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    themes: Mapped[list[Theme]] = relationship(
        secondary=event_themes,
        primaryjoin=lambda: and_(
            Event.id == event_themes.c.event_id, Event.tenant_id == event_themes.c.tenant_id
        ),
        secondaryjoin=lambda: Theme.id == event_themes.c.theme_id,
        order_by=lambda: Theme.position,
    )

    shared = False  # an event of this tenant (the calendar also lists SharedEvents of others)

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.seats_taken, 0)


class Registration(TenantScoped, db.Model):
    """One person's sign-up for an event: a signed-in user (of the tenant or, for a
    network event, of an association in its network) or a guest with name and e-mail."""

    __tablename__ = "event_registrations"
    __tenant_table_args__ = (
        tenant_fk("event_id", "events", ondelete="CASCADE"),
        # One seat per person per event, held by the database: ``person`` is "user:<id>" or
        # "guest:<e-mail>" while the registration is live and NULL once cancelled (NULLs never
        # conflict), so a cancelled person may sign up again.
        UniqueConstraint("tenant_id", "event_id", "person", name="uq_event_registrations_person"),
        Index("ix_event_registrations_tenant_event_status", "tenant_id", "event_id", "status", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    person: Mapped[str | None] = mapped_column(String(280))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    company: Mapped[str | None] = mapped_column(String(200))
    # The association through which a network member signed up (its name), for the figures.
    via: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[RegistrationStatus] = mapped_column(
        str_enum(RegistrationStatus, "event_registration_status")
    )
    position: Mapped[int | None] = mapped_column(Integer)  # arrival order; the waiting list reads it
    answers: Mapped[dict] = mapped_column(json_type(), default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A seat given from the waiting list is held until then; unconfirmed, it passes on.
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A paid event's seat is held until then while the person pays (plugins.events.paid).
    payment_reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    payment_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(foreign_keys=[event_id])

    @property
    def awaiting_confirmation(self) -> bool:
        return self.status == RegistrationStatus.CONFIRMED and self.offer_expires_at is not None

    @property
    def awaiting_payment(self) -> bool:
        return self.status == RegistrationStatus.CONFIRMED and self.payment_expires_at is not None

    @property
    def is_guest(self) -> bool:
        return self.user_id is None


__all__ = ["Audience", "Event", "EventState", "Registration", "RegistrationStatus", "event_themes"]
