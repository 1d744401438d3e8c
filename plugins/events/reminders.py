"""The reminder the day before: each published event starting within the next day is
claimed once (a conditional update of ``reminded_at``, so two workers never both send)
and every confirmed person gets one mail, keyed per registration."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from kringwerk.plugin_api import db, external_url, send_mail, utcnow
from plugins.events.models import Event, EventState, Registration, RegistrationStatus
from plugins.events.services import local
from plugins.events.signup import cancel_link

AHEAD = timedelta(hours=24)


def send_due_reminders(now=None) -> int:
    """Remind the confirmed people of every event starting within ``AHEAD``; returns how many mails."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Event.id).where(
            Event.state == EventState.PUBLISHED,
            Event.reminded_at.is_(None),
            Event.starts_at > now,
            Event.starts_at <= now + AHEAD,
        )
    ).all()
    sent = 0
    for event_id in due:
        claimed = db.session.execute(
            update(Event)
            .where(Event.id == event_id, Event.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue
        event = db.session.get(Event, event_id)
        people = db.session.scalars(
            select(Registration).where(
                Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED
            )
        )
        for registration in people:
            send_mail(
                registration.email,
                _l("Tomorrow: %(title)s", title=event.title),
                "events/reminder",
                locale=registration.locale,
                context={
                    "event": event,
                    "name": registration.name,
                    "starts": local(event.starts_at),
                    "event_url": external_url("events.event", event_id=event.id),
                    "cancel_url": cancel_link(registration),
                },
                idempotency_key=f"events.reminder:{registration.id}",
            )
            sent += 1
    return sent
