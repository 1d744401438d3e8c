"""What the events plugin puts on the tenant home: for each person, the upcoming events
they signed up for (and a seat from the waiting list still to confirm); for visitors, the
public calendar."""

from __future__ import annotations

import functools

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from kringwerk.plugin_api import PublicLink, WaitingItem, db, hookimpl, utcnow
from plugins.events.models import Event, EventState, Registration, RegistrationStatus

UPCOMING = 5


@functools.cache
def _waiting_statement():
    """SELECT of a person's live registrations for published events not yet over, soonest
    start first: the event's id, title and start, and the registration's status and offer.

    Built once per process with bound parameters (``user_id``, ``now``) and reused: building
    it anew on every tenant home cost more than running it. It holds no data; the tenant
    scope is added when it runs, as for every statement.
    """
    return (
        # Only the columns the home shows, not the registration and event entities.
        select(Event.id, Event.title, Event.starts_at, Registration.status, Registration.offer_expires_at)
        .select_from(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Registration.user_id == bindparam("user_id"),
            Registration.status.in_((RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)),
            Event.state == EventState.PUBLISHED,
            Event.ends_at >= bindparam("now"),
        )
        .order_by(Event.starts_at)
        .limit(UPCOMING)
    )


@hookimpl
def waiting_for(tenant, user):
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    rows = db.session.execute(_waiting_statement(), {"user_id": user.id, "now": utcnow()})
    items = []
    for event_id, title, starts_at, status, offer_expires_at in rows:
        # Registration.awaiting_confirmation, from the two columns it reads
        if status == RegistrationStatus.CONFIRMED and offer_expires_at is not None:
            detail, action = _l("A seat has come free for you: confirm it by the link in your e-mail."), ""
        elif status == RegistrationStatus.WAITING:
            detail, action = _l("You are on the waiting list."), ""
        else:
            detail, action = _l("You are signed up."), ""
        items.append(
            WaitingItem(
                title=title,
                url=url_for("events.event", event_id=event_id),
                kind="event",
                due=starts_at,
                detail=detail,
                action=action,
                plugin="events",
            )
        )
    return items


@hookimpl
def public_links(tenant):
    return [
        PublicLink(
            _l("Events"),
            "events.index",
            _l("The public events on the annual calendar, with sign-up."),
            order=30,
        )
    ]
