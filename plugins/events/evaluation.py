"""After the event: who attended, offered to the other plugins (``attendance_followups``),
which may answer with a follow-up such as an evaluation poll. Plugins meet only through
the hook; the offer's button POSTs the attendees' addresses to the offering plugin."""

from __future__ import annotations

from sqlalchemy import select

from kringwerk.plugin_api import Attendance, collect, db, external_url, hooks, utcnow
from plugins.events.models import Event, Registration, RegistrationStatus


def attendance(event: Event) -> Attendance | None:
    """The people who came (checked in at the door; without a check-in, everyone with a
    seat), once the event is over; None before."""
    if event.ends_at > utcnow():
        return None
    seated = select(Registration.email).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED
    )
    present = list(db.session.scalars(seated.where(Registration.checked_in_at.is_not(None))))
    emails = present or list(db.session.scalars(seated))
    if not emails:
        return None
    return Attendance(
        event_id=event.id,
        title=event.title,
        ended_at=event.ends_at,
        emails=tuple(sorted(set(emails))),
        theme_ids=tuple(theme.id for theme in event.themes),
        source_url=external_url("events.event", event_id=event.id),
    )


def followups(tenant, user, event: Event) -> tuple[Attendance | None, list]:
    """The attendance and what the enabled plugins offer for it."""
    found = attendance(event)
    if found is None:
        return None, []
    return found, collect(hooks(tenant).attendance_followups(tenant=tenant, user=user, attendance=found))
