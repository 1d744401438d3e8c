"""After an event: the polls plugin answers the events plugin's ``attendance_followups``
with "send an evaluation poll". The offer's button POSTs the attendees' addresses; this
module turns them into a draft poll with three default questions, put to the contact
persons of this tenant with those addresses. Plugins meet only through the hook and plain
values: nothing of events is imported here."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from kringwerk.plugin_api import ContactPerson, FollowUpOffer, Role, db, has_role, hookimpl
from plugins.polls import audience, services
from plugins.polls.models import AudienceKind, Poll, QuestionKind, ResponseUnit

MAX_ATTENDEES = 2000  # a bound on what one POST may ask for


@hookimpl
def attendance_followups(tenant, user, attendance):
    if not has_role(Role.ADMIN, Role.FACILITATOR):
        return []
    return [FollowUpOffer("polls", _l("Send an evaluation poll"), "polls.from_attendance")]


def attendee_contacts(emails: Iterable[str]) -> list[int]:
    """The ids of this tenant's contact persons with one of ``emails`` (case does not
    matter; the tenant wall keeps other tenants' contacts out)."""
    wanted = sorted({email.strip().casefold() for email in emails if email and email.strip()})[:MAX_ATTENDEES]
    if not wanted:
        return []
    return list(
        db.session.scalars(
            select(ContactPerson.id)
            .where(func.lower(ContactPerson.email).in_(wanted))
            .order_by(ContactPerson.id)
        )
    )


def evaluation_from_attendance(title: str, emails: Iterable[str], source_url: str | None, *, actor) -> Poll:
    """A draft evaluation poll, one response per person, for the attendees known as contacts."""
    title = (title or "").strip() or _("the event")
    introduction = _("Thank you for coming to %(title)s. How did you find it?", title=title)
    if source_url:
        introduction += "\n\n" + source_url
    poll = services.create_poll(
        {
            "title": _("Evaluation: %(title)s", title=title)[:200],
            "introduction": introduction,
            "response_unit": ResponseUnit.PERSON,
            # The default questions are worded in the board's language: the poll's too.
            "language": "en" if str(get_locale() or "nl").startswith("en") else "nl",
        },
        actor=actor,
    )
    services.add_question(
        poll,
        QuestionKind.SCALE,
        {
            "text": _("How would you rate the event overall?"),
            "required": True,
            "settings": {"scale": "1-5", "low_label": _("Poor"), "high_label": _("Excellent")},
        },
        actor=actor,
    )
    services.add_question(poll, QuestionKind.LONG_TEXT, {"text": _("What was useful to you?")}, actor=actor)
    services.add_question(
        poll,
        QuestionKind.SINGLE_CHOICE,
        {"text": _("Would you come again?"), "options": [_("Yes"), _("No")]},
        actor=actor,
    )
    audience.set_audience(poll, AudienceKind.ALL, {"contact_ids": attendee_contacts(emails)}, actor=actor)
    return poll
