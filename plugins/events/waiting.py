"""What the events plugin puts on the tenant home: for each person, the upcoming events
they signed up for (and a seat from the waiting list still to confirm); for visitors, the
public calendar."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import PublicLink, WaitingItem, db, hookimpl, utcnow
from plugins.events.models import Event, EventState, Registration, RegistrationStatus

UPCOMING = 5


@hookimpl
def waiting_for(tenant, user):
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    rows = db.session.execute(
        select(Registration, Event)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Registration.user_id == user.id,
            Registration.status.in_((RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)),
            Event.state == EventState.PUBLISHED,
            Event.ends_at >= utcnow(),
        )
        .order_by(Event.starts_at)
        .limit(UPCOMING)
    ).all()
    items = []
    for registration, event in rows:
        if registration.awaiting_confirmation:
            detail, action = _l("A seat has come free for you: confirm it by the link in your e-mail."), ""
        elif registration.status == RegistrationStatus.WAITING:
            detail, action = _l("You are on the waiting list."), ""
        else:
            detail, action = _l("You are signed up."), ""
        items.append(
            WaitingItem(
                title=event.title,
                url=url_for("events.event", event_id=event.id),
                kind="event",
                due=event.starts_at,
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
