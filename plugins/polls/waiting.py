"""What waits for a signed-in person in polls: the open polls one of their contact
persons is invited to and has not answered (``waiting_for`` on the tenant home),
and the invitation behind the home's "Answer" button.

A person is reached through ``ContactPerson.user_id``; "answered" means what it
means for reminders: their invitation is marked, or for a poll answered per
company anyone of the company answered, or for a poll answered per person they
submitted a response.
"""

from __future__ import annotations

import functools

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, exists, or_, select
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


@functools.cache
def _waiting_statement(what: str):
    """SELECT of a person's unanswered invitations to open polls, soonest end first:
    ``"polls"`` the id, title and end of each poll; ``"invitation"`` the first invitation
    to one poll.

    Built once per process with bound parameters (``user_id``, ``now`` and, for one poll,
    ``poll_id``) and reused: building it anew (an aliased table, three correlated
    ``EXISTS``) cost more than running it, on every tenant home. It holds no data; the
    tenant scope is added when it runs, as for every statement.
    """
    one_poll = what == "invitation"
    columns = (PollInvitation,) if one_poll else (Poll.id, Poll.title, Poll.closes_at)
    now = bindparam("now")
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
        select(*columns)
        .select_from(PollInvitation)
        .join(Poll, Poll.id == PollInvitation.poll_id)
        .join(ContactPerson, ContactPerson.id == PollInvitation.contact_person_id)
        .where(
            ContactPerson.user_id == bindparam("user_id"),
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
    if one_poll:
        statement = statement.where(Poll.id == bindparam("poll_id")).limit(1)
    return statement


def waiting_invitation(user, poll_id: int) -> PollInvitation | None:
    """``user``'s first unanswered invitation to the open poll ``poll_id`` in the tenant in scope."""
    statement = _waiting_statement("invitation")
    return db.session.scalar(statement, {"user_id": user.id, "now": utcnow(), "poll_id": poll_id})


def waiting_polls(tenant, user) -> list[WaitingItem]:
    """One item per open poll waiting for ``user`` in ``tenant`` (the tenant in scope), soonest end first."""
    # Only the three columns the home shows, not the invitation and poll entities.
    statement = _waiting_statement("polls")
    rows = db.session.execute(statement, {"user_id": user.id, "now": utcnow()})
    items, seen = [], set()
    for poll_id, title, closes_at in rows:
        if poll_id in seen:  # two of the person's contacts invited: one entry
            continue
        seen.add(poll_id)
        items.append(
            WaitingItem(
                title=title,
                url=url_for("polls.my_answer", tenant=tenant.slug, poll_id=poll_id),
                kind="poll",
                due=closes_at,
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
