"""What waits for a signed-in person in polls: the open polls one of their contact
persons is invited to and has not answered (``waiting_for`` on the tenant home),
and the invitation behind the home's "Answer" button.

A person is reached through ``ContactPerson.user_id``; "answered" means what it
means for reminders: their invitation is marked, or for a poll answered per
company anyone of the company answered, or for a poll answered per person they
submitted a response.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from kringwerk.plugin_api import ContactPerson, WaitingItem, db, hookimpl, utcnow
from plugins.polls.models import (
    Poll,
    PollInvitation,
    PollResponse,
    PollState,
    ResponseStatus,
    ResponseUnit,
)


def _waiting_invitations(user, poll_id: int | None = None):
    """SELECT (PollInvitation, Poll) of ``user``'s unanswered invitations to open polls, soonest end first."""
    now = utcnow()
    other = aliased(PollInvitation)
    submitted = and_(PollResponse.poll_id == Poll.id, PollResponse.status == ResponseStatus.SUBMITTED)
    company_done = or_(
        exists().where(
            other.poll_id == Poll.id,
            other.company_id == PollInvitation.company_id,
            other.responded_at.is_not(None),
        ),
        exists().where(submitted, PollResponse.company_id == PollInvitation.company_id),
    )
    person_done = exists().where(
        submitted, PollResponse.contact_person_id == PollInvitation.contact_person_id
    )
    statement = (
        select(PollInvitation, Poll)
        .join(Poll, Poll.id == PollInvitation.poll_id)
        .join(ContactPerson, ContactPerson.id == PollInvitation.contact_person_id)
        .where(
            ContactPerson.user_id == user.id,
            Poll.state == PollState.OPEN,
            or_(Poll.opens_at.is_(None), Poll.opens_at <= now),
            or_(Poll.closes_at.is_(None), Poll.closes_at > now),
            PollInvitation.sent_at.is_not(None),
            PollInvitation.responded_at.is_(None),
            or_(
                and_(Poll.response_unit == ResponseUnit.COMPANY, ~company_done),
                and_(Poll.response_unit != ResponseUnit.COMPANY, ~person_done),
            ),
        )
        # No end date sorts last; the id keeps the order stable.
        .order_by(Poll.closes_at.is_(None), Poll.closes_at, Poll.id, PollInvitation.id)
    )
    if poll_id is not None:
        statement = statement.where(Poll.id == poll_id)
    return statement


def waiting_invitation(user, poll_id: int) -> PollInvitation | None:
    """``user``'s first unanswered invitation to the open poll ``poll_id`` in the tenant in scope."""
    row = db.session.execute(_waiting_invitations(user, poll_id).limit(1)).first()
    return row[0] if row else None


def waiting_polls(tenant, user) -> list[WaitingItem]:
    """One item per open poll waiting for ``user`` in ``tenant`` (the tenant in scope), soonest end first."""
    items, seen = [], set()
    for _invitation, poll in db.session.execute(_waiting_invitations(user)):
        if poll.id in seen:  # two of the person's contacts invited: one entry
            continue
        seen.add(poll.id)
        items.append(
            WaitingItem(
                title=poll.title,
                url=url_for("polls.my_answer", tenant=tenant.slug, poll_id=poll.id),
                kind="poll",
                due=poll.closes_at,
                detail=_l("A poll you are invited to"),
                action=_l("Answer"),
                post=True,
                plugin="polls",
            )
        )
    return items


@hookimpl
def waiting_for(tenant, user):
    if not getattr(user, "is_authenticated", False):
        return []
    return waiting_polls(tenant, user)
