"""From a poll's cooperation match to a theme meeting: the polls plugin offers its
matches through the ``followup_offers`` hook; "organise a theme meeting" creates a draft
event on that theme, with the contacts of the matched companies to be invited when it is
published. Plugins meet only through the hook: nothing of polls is imported here."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import (
    MANAGERS,
    ContactPerson,
    FollowUpOffer,
    Theme,
    db,
    external_url,
    has_role,
    hookimpl,
    send_mail,
    utcnow,
)
from plugins.events import services
from plugins.events.models import Audience, Event
from plugins.events.services import LOCAL, local

MAX_INVITED = 500


@hookimpl
def followup_offers(tenant, user, match):
    if not has_role(*MANAGERS):
        return []
    return [FollowUpOffer("events", _l("Organise a theme meeting"), "events.from_match")]


def draft_from_match(theme_id: int, company_ids: list[int], source: str | None, *, actor) -> Event:
    """A draft theme meeting a month from now (16:00–18:00 local time) on the theme, with the
    contacts of the matched companies (of this tenant only: the wall) to invite."""
    theme = db.session.scalar(select(Theme).where(Theme.id == theme_id))
    if theme is None:
        raise services.EventError(_l("This theme does not exist."))
    contact_ids = list(
        db.session.scalars(
            select(ContactPerson.id)
            .where(
                ContactPerson.company_id.in_(list(company_ids)[:MAX_INVITED]),
                ContactPerson.email.is_not(None),
            )
            .order_by(ContactPerson.id)
            .limit(MAX_INVITED)
        )
    )
    day = (local(utcnow()) + timedelta(days=30)).date()
    starts = datetime.combine(day, time(16, 0), tzinfo=LOCAL)
    description = _l(
        "Follow-up of %(source)s: %(count)s companies want to cooperate on %(theme)s.",
        source=source or _l("a poll"),
        count=len(set(company_ids)),
        theme=theme.name_nl,
    )
    event = services.create_event(
        {
            "title": str(_l("Theme meeting: %(theme)s", theme=theme.name_nl)),
            "description": str(description),
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=2),
            "audience": Audience.MEMBERS,
        },
        actor=actor,
        theme_ids=[theme.id],
    )
    event.invited_contact_ids = contact_ids
    return event


def send_invitations(event: Event) -> int:
    """Mail the invited contacts once each (on publishing); returns how many were mailed."""
    if not event.invited_contact_ids:
        return 0
    contacts = db.session.scalars(
        select(ContactPerson).where(
            ContactPerson.id.in_(list(event.invited_contact_ids)), ContactPerson.email.is_not(None)
        )
    )
    count = 0
    for contact in contacts:
        send_mail(
            contact.email,
            _l("Invitation: %(title)s", title=event.title),
            "events/invitation",
            context={
                "event": event,
                "name": contact.name,
                "event_url": external_url("events.event", event_id=event.id),
            },
            idempotency_key=f"events.invitation:{event.id}:{contact.id}",
        )
        count += 1
    return count
