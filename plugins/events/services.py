"""Business rules for events, callable without a request: create, edit, copy and
cancel an event; who may see and sign up for it (its audience); the calendar's
queries.

Who someone is towards the tenant is decided by the caller (a view asks
``current_membership`` and ``network_access``) and handed in as a ``Visitor``, so
the audience rule itself is a plain function of the event and the visitor.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, extract, func, select

from kringwerk.plugin_api import (
    Theme,
    db,
    member_networks,
    network_members,
    record,
    send_mail,
    unscoped,
    utcnow,
)
from plugins.events.models import Audience, Event, EventState, Registration, RegistrationStatus, event_themes
from plugins.events.questions import keyed

LOCAL = ZoneInfo("Europe/Amsterdam")

# The fields an organiser edits (the form's names); the rest is kept by the rules below.
EDITABLE = (
    "title",
    "description",
    "starts_at",
    "ends_at",
    "venue",
    "online_url",
    "organiser",
    "partners",
    "capacity",
    "price_cents",
    "signup_deadline",
    "audience",
    "questions",
)


class EventError(ValueError):
    """A change the rules refuse; ``str()`` is the translated message to show."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.field = field


@dataclass(frozen=True)
class Visitor:
    """Who looks at or signs up for an event of the tenant in scope.

    ``member``: a member of the tenant; ``manager``: one of its organisers (board,
    park manager, or an operator); ``via``: the names of the associations through
    which a non-member reaches the tenant's network (``NetworkAccess.names``).
    """

    user: object | None = None
    member: bool = False
    manager: bool = False
    via: str | None = None
    theme_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def in_network(self) -> bool:
        return self.via is not None


def to_utc(local: datetime) -> datetime:
    """A time as typed (Europe/Amsterdam wall clock, naive) in UTC."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=LOCAL)
    return local.astimezone(UTC)


def local(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(LOCAL)


# --- the audience ------------------------------------------------------------------------------


def may_see(event: Event, visitor: Visitor) -> bool:
    """Whether ``visitor`` may see ``event`` (drafts only for organisers)."""
    if visitor.manager:
        return True
    if event.state == EventState.DRAFT:
        return False
    return may_attend(event, visitor)


def may_attend(event: Event, visitor: Visitor) -> bool:
    """The audience rule: members always; people of the network's associations for network
    and public events; anyone for public events."""
    if visitor.member or visitor.manager:
        return True
    if event.audience == Audience.PUBLIC:
        return True
    return event.audience == Audience.NETWORK and visitor.in_network


def visible_audiences(visitor: Visitor) -> tuple[Audience, ...]:
    if visitor.member or visitor.manager:
        return tuple(Audience)
    if visitor.in_network:
        return (Audience.NETWORK, Audience.PUBLIC)
    return (Audience.PUBLIC,)


# --- organising --------------------------------------------------------------------------------


def _check(values: dict) -> None:
    if values["ends_at"] <= values["starts_at"]:
        raise EventError(_l("The event must end after it starts."), "ends_at")
    deadline = values.get("signup_deadline")
    if deadline is not None and deadline > values["ends_at"]:
        raise EventError(_l("The sign-up deadline must be before the event ends."), "signup_deadline")
    capacity = values.get("capacity")
    if capacity is not None and capacity < 1:
        raise EventError(_l("The number of seats must be at least 1."), "capacity")


def _themes(theme_ids) -> list[Theme]:
    if not theme_ids:
        return []
    # The tenant wall limits this to the tenant's own themes: another tenant's id finds nothing.
    return list(db.session.scalars(select(Theme).where(Theme.id.in_(list(theme_ids)))))


def create_event(values: dict, *, actor, theme_ids=()) -> Event:
    """A draft event in the tenant in scope; the caller commits."""
    _check(values)
    event = Event(**{key: values.get(key) for key in EDITABLE if key in values}, created_by_id=actor.id)
    event.questions = keyed(values.get("questions") or [])
    event.themes = _themes(theme_ids)
    db.session.add(event)
    db.session.flush()
    record("events.created", actor=actor, target=event, target_label=event.title)
    return event


def update_event(event: Event, values: dict, *, actor, theme_ids=None) -> Event:
    """Change an event; more seats promote people from the waiting list at once."""
    if event.state == EventState.CANCELLED:
        raise EventError(_l("This event has been cancelled."))
    merged = {key: getattr(event, key) for key in EDITABLE} | values
    _check(merged)
    capacity = merged.get("capacity")
    if capacity is not None and capacity < event.seats_taken:
        raise EventError(
            _l(
                "%(count)s people already hold a seat; the number of seats cannot be lower.",
                count=event.seats_taken,
            ),
            "capacity",
        )
    if "questions" in values:
        values = values | {"questions": keyed(values["questions"] or [], event.questions or [])}
    for key, value in values.items():
        if key in EDITABLE:
            setattr(event, key, value)
    if theme_ids is not None:
        event.themes = _themes(theme_ids)
    db.session.flush()
    record("events.updated", actor=actor, target=event, target_label=event.title)
    from plugins.events.signup import promote

    promote(event.id)
    return event


def publish_event(event: Event, *, actor) -> Event:
    if event.state != EventState.DRAFT:
        raise EventError(_l("Only a draft can be published."))
    event.state = EventState.PUBLISHED
    from plugins.events.followup import send_invitations  # it builds on these services

    invited = send_invitations(event)
    record(
        "events.published", actor=actor, target=event, target_label=event.title, details={"invited": invited}
    )
    return event


def copy_event(event: Event, *, actor) -> Event:
    """A new draft with the same details and themes and no one signed up (a yearly event)."""
    copy = Event(
        **{key: getattr(event, key) for key in EDITABLE},
        created_by_id=actor.id,
        state=EventState.DRAFT,
    )
    copy.questions = list(event.questions or [])
    copy.themes = list(event.themes)
    db.session.add(copy)
    db.session.flush()
    record("events.copied", actor=actor, target=copy, target_label=copy.title, details={"from": event.id})
    return copy


def cancel_event(event: Event, *, actor) -> int:
    """Cancel the event and tell everyone signed up (confirmed, waiting or pending); returns
    how many were told. Their registrations stay (with their status) for the record."""
    if event.state == EventState.CANCELLED:
        raise EventError(_l("This event has been cancelled."))
    event.state = EventState.CANCELLED
    event.cancelled_at = utcnow()
    live = list(
        db.session.scalars(
            select(Registration).where(
                Registration.event_id == event.id, Registration.status != RegistrationStatus.CANCELLED
            )
        )
    )
    for registration in live:
        send_mail(
            registration.email,
            _l("Cancelled: %(title)s", title=event.title),
            "events/cancelled",
            locale=registration.locale,
            context={"event": event, "name": registration.name, "starts": local(event.starts_at)},
            idempotency_key=f"events.cancelled:{registration.id}",
        )
    record(
        "events.cancelled", actor=actor, target=event, target_label=event.title, details={"told": len(live)}
    )
    return len(live)


# --- the calendar ------------------------------------------------------------------------------


def window(year: int, month: int | None = None) -> tuple[datetime, datetime]:
    """A local year (or one month of it) as a UTC start and end."""
    if month is None:
        start, end = datetime(year, 1, 1, tzinfo=LOCAL), datetime(year + 1, 1, 1, tzinfo=LOCAL)
    else:
        start = datetime(year, month, 1, tzinfo=LOCAL)
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=LOCAL)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True)
class CalendarEvent:
    """An event as the calendar lists it, in plain values: the tenant's own (``shared`` False)
    or another tenant's (a member association's network-wide event in its network's
    calendar, or a network's event in an association's). Read as columns, so listing many
    events loads no entities, and nothing of another tenant lands in the session."""

    id: int
    tenant_slug: str
    tenant_name: str
    title: str
    starts_at: datetime
    ends_at: datetime
    organiser: str | None  # another tenant's event: its organiser or that tenant's name
    audience: Audience
    state: EventState
    capacity: int | None
    seats_left: int | None
    shared: bool = True


# What the calendar shows of an event; ``calendar_event`` reads a row of these.
CALENDAR_COLUMNS = (
    Event.id,
    Event.tenant_id,
    Event.title,
    Event.starts_at,
    Event.ends_at,
    Event.organiser,
    Event.audience,
    Event.state,
    Event.capacity,
    Event.seats_taken,
)


def calendar_event(row, tenant, *, shared: bool) -> CalendarEvent:
    """A row of ``CALENDAR_COLUMNS`` of ``tenant``'s event (``Event.seats_left``'s rule)."""
    event_id, _tenant_id, title, starts_at, ends_at, organiser, audience, state, capacity, taken = row
    if shared:
        organiser = organiser or tenant.name
    return CalendarEvent(
        id=event_id,
        tenant_slug=tenant.slug,
        tenant_name=tenant.name,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        organiser=organiser,
        audience=audience,
        state=state,
        capacity=capacity,
        seats_left=None if capacity is None else max(capacity - taken, 0),
        shared=shared,
    )


def own_events(visitor: Visitor, tenant, **filters) -> list[CalendarEvent]:
    """The events of ``tenant`` (the tenant in scope) ``visitor`` may see, by start time, as
    the calendar lists them; ``filters`` as ``calendar_filters`` takes them."""
    shape, values = calendar_filters(visitor, **filters)
    rows = db.session.execute(_own_statement(*shape), values)
    return [calendar_event(row, tenant, shared=False) for row in rows]


def calendar_filters(
    visitor: Visitor,
    *,
    year: int | None = None,
    month: int | None = None,
    theme_id: int | None = None,
    audience: Audience | None = None,
    upcoming_from: datetime | None = None,
    limit: int = 500,
) -> tuple[tuple[bool, ...], dict]:
    """The shape of the calendar's SELECT of the tenant's own events (``_own_statement``) and
    the values it is run with: the events ``visitor`` may see in the tenant in scope."""
    values: dict = {"limit": limit, **_period_values(year, month, upcoming_from)}
    if not visitor.manager:
        values["audiences"] = list(visible_audiences(visitor))
    if theme_id is not None:
        values["theme_id"] = theme_id
    if audience is not None:
        values["audience"] = audience
    shape = tuple(key in values for key in ("audiences", "start", "upcoming_from", "theme_id", "audience"))
    return shape, values


@functools.cache
def _own_statement(audiences: bool, in_window: bool, upcoming: bool, by_theme: bool, one_audience: bool):
    """The calendar's SELECT of the tenant's own events, by start time, one per combination of
    filters, built once per process with bound values; the tenant scope is added when it runs."""
    statement = select(*CALENDAR_COLUMNS).order_by(Event.starts_at, Event.id).limit(bindparam("limit"))
    if audiences:  # organisers see drafts and every audience
        statement = statement.where(
            Event.state != EventState.DRAFT, Event.audience.in_(bindparam("audiences", expanding=True))
        )
    statement = _in_period(statement, in_window, upcoming)
    if by_theme:
        statement = statement.where(
            Event.id.in_(
                select(event_themes.c.event_id).where(event_themes.c.theme_id == bindparam("theme_id"))
            )
        )
    if one_audience:
        statement = statement.where(Event.audience == bindparam("audience"))
    return statement


def _period_values(year: int | None, month: int | None, upcoming_from: datetime | None) -> dict:
    """The values ``_in_period``'s filters are run with."""
    values: dict = {}
    if year is not None:
        values["start"], values["end"] = window(year, month)
    if upcoming_from is not None:
        values["upcoming_from"] = upcoming_from
    return values


def _in_period(statement, in_window: bool, upcoming: bool):
    """The calendar's period filters with bound values (``start``/``end``, ``upcoming_from``)."""
    if in_window:
        # Every event that overlaps the period: a fair from 30 April to 2 May is in May too.
        statement = statement.where(Event.starts_at < bindparam("end"), Event.ends_at > bindparam("start"))
    if upcoming:
        statement = statement.where(Event.ends_at >= bindparam("upcoming_from"))
    return statement


def shared_tenants(tenant) -> list:
    """Whose events this tenant's calendar shows too: a network's active members, or the
    networks an association is actively in."""
    if tenant.kind == "region":  # TenantKind is a StrEnum
        return network_members(tenant)
    return member_networks(tenant)


def shared_events(
    tenant,
    visitor: Visitor,
    *,
    year: int | None = None,
    month: int | None = None,
    theme_key: str | None = None,
    audience: Audience | None = None,
    upcoming_from: datetime | None = None,
    limit: int = 500,
) -> list[CalendarEvent]:
    """The published network-wide (and public) events of the tenants ``shared_tenants``
    names, as far as ``visitor`` may see them: all of them for the tenant's members and
    its network's people, the public ones for anyone else."""
    others = {other.id: other for other in shared_tenants(tenant)}
    if not others:
        return []
    audiences = (
        (Audience.NETWORK, Audience.PUBLIC)
        if visitor.member or visitor.manager or visitor.in_network
        else (Audience.PUBLIC,)
    )
    if audience is not None:
        audiences = tuple(a for a in audiences if a == audience)
    values = {
        "tenant_ids": list(others),
        "audiences": list(audiences),
        "limit": limit,
        **_period_values(year, month, upcoming_from),
    }
    if theme_key is not None:
        values["theme_key"] = theme_key
    statement = _shared_statement(year is not None, upcoming_from is not None, theme_key is not None)
    with unscoped(f"events: the network-wide events {tenant.slug}'s calendar shows from its network"):
        rows = db.session.execute(statement, values).all()
    return [calendar_event(row, others[row.tenant_id], shared=True) for row in rows]


@functools.cache
def _shared_statement(in_window: bool, upcoming: bool, by_theme: bool):
    """The SELECT of ``shared_events``, one per combination of filters, built once per process
    with bound values (building it, IN lists of enums and all, cost more than running it on
    every calendar). It holds no data; ``shared_events`` runs it in its named crossing."""
    statement = (
        select(*CALENDAR_COLUMNS)
        .where(
            Event.tenant_id.in_(bindparam("tenant_ids", expanding=True)),
            Event.audience.in_(bindparam("audiences", expanding=True)),
            Event.state != EventState.DRAFT,
        )
        .order_by(Event.starts_at, Event.id)
        .limit(bindparam("limit"))
    )
    statement = _in_period(statement, in_window, upcoming)
    if by_theme:
        # Themes are per tenant: the other tenant's theme with the same key.
        statement = statement.where(
            Event.id.in_(
                select(event_themes.c.event_id)
                .join(
                    Theme,
                    (Theme.id == event_themes.c.theme_id) & (Theme.tenant_id == event_themes.c.tenant_id),
                )
                .where(Theme.key == bindparam("theme_key"))
            )
        )
    return statement


def by_month(events) -> list[tuple[datetime, list[CalendarEvent]]]:
    """Events grouped by their local month, in order: [(first of month, [events])]."""
    groups: dict[tuple[int, int], list[CalendarEvent]] = {}
    for event in events:
        start = local(event.starts_at)
        groups.setdefault((start.year, start.month), []).append(event)
    return [(datetime(y, m, 1, tzinfo=LOCAL), items) for (y, m), items in groups.items()]


def counts(event_id: int) -> dict[RegistrationStatus, int]:
    rows = db.session.execute(
        select(Registration.status, func.count())
        .where(Registration.event_id == event_id)
        .group_by(Registration.status)
    ).all()
    found = {status: 0 for status in RegistrationStatus}
    found.update({status: number for status, number in rows})
    return found


def years_with_events() -> list[int]:
    years = db.session.scalars(select(extract("year", Event.starts_at)).distinct()).all()
    return sorted({int(year) for year in years if year is not None})


def message_attendees(event: Event, subject: str, body: str, *, to_waiting: bool, actor) -> int:
    """Mail the confirmed people (and, if asked, the waiting list) the organiser's message;
    returns how many. Pending guests get nothing: they have not confirmed their address."""
    statuses = [RegistrationStatus.CONFIRMED] + ([RegistrationStatus.WAITING] if to_waiting else [])
    people = list(
        db.session.scalars(
            select(Registration).where(Registration.event_id == event.id, Registration.status.in_(statuses))
        )
    )
    for registration in people:
        send_mail(
            registration.email,
            subject,
            "events/message",
            locale=registration.locale,
            context={"event": event, "name": registration.name, "body": body},
        )
    record(
        "events.messaged",
        actor=actor,
        target=event,
        target_label=event.title,
        details={"recipients": len(people), "subject": subject},
    )
    return len(people)
