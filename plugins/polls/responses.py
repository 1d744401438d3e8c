"""A personal link's invitation and the response it opens: finding both, whether the
poll takes answers now, and drafts (what was typed, kept valid or not).

One response per owner: a company (polls answered per company) or a person. The
database holds that with a unique key on ``PollResponse.owner``; a new draft is
inserted with ``ON CONFLICT DO NOTHING``, so parallel first requests of a link all
meet the same row.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.orm import contains_eager

from kringwerk.plugin_api import PersonalToken, db, hash_token, upsert, utcnow
from plugins.polls.answer_values import FIELD_NAME, _getlist
from plugins.polls.models import (
    ANSWER_LINK,
    Poll,
    PollInvitation,
    PollResponse,
    PollState,
    ResponseStatus,
    ResponseUnit,
)
from plugins.polls.validation import LONG_TEXT_MAX

# A draft keeps what was typed, but not without limit: a value longer than any
# valid answer by a margin, or more fields than any poll has, is only abuse.
DRAFT_VALUE_MAX = LONG_TEXT_MAX + 1000
DRAFT_FIELDS_MAX = 2000


class AnsweringError(ValueError):
    """A response that cannot be taken at all (not a validation error of an answer)."""


class AlreadySubmitted(AnsweringError):
    pass


class PollNotOpen(AnsweringError):
    pass


# The longest raw token looked up: the core's ``resolve_token`` refuses longer ones unhashed.
RAW_TOKEN_MAX = 200


def find_invitation(poll_id: int, raw_token: str | None) -> PollInvitation | None:
    """The invitation of this personal link to poll ``poll_id`` in the tenant in scope, or None.

    One statement finds the live token, its invitation and the poll, by the rules of
    ``resolve_token(ANSWER_LINK, raw)``: the token's hash, this purpose, not revoked,
    not expired (the purpose is not single-use). The tenant scope keeps another
    tenant's token out; the poll id keeps another poll's token (of this tenant) out.
    """
    found = find_link(poll_id, raw_token)
    return found[0] if found is not None else None


def find_link(poll_id: int, raw_token: str | None) -> tuple[PollInvitation, datetime | None] | None:
    """The invitation of this personal link (as ``find_invitation``) with the time its
    token expires (None: never), in the same one statement; or None."""
    if not raw_token or len(raw_token) > RAW_TOKEN_MAX:
        return None
    row = db.session.execute(
        _invitation_statement(),
        {"token_hash": hash_token(raw_token), "now": utcnow(), "poll_id": poll_id},
    ).first()
    return (row[0], row[1]) if row is not None else None


@functools.cache
def _invitation_statement() -> Select:
    """A live ``ANSWER_LINK`` token by bound ``token_hash`` (live at bound ``now``), with
    its invitation of poll ``poll_id`` and that poll joined in, and the token's expiry;
    built once per process, the tenant scope is added to every table when it runs."""
    return (
        select(PollInvitation, PersonalToken.expires_at)
        .join(PollInvitation.poll)
        .join(PersonalToken, PersonalToken.subject_id == PollInvitation.id)
        .options(contains_eager(PollInvitation.poll))
        .where(
            PersonalToken.token_hash == bindparam("token_hash"),
            PersonalToken.purpose == ANSWER_LINK,
            PersonalToken.revoked_at.is_(None),
            or_(PersonalToken.expires_at.is_(None), PersonalToken.expires_at > bindparam("now")),
            PollInvitation.poll_id == bindparam("poll_id"),
        )
    )


def respondent_state(poll: Poll, now: datetime | None = None) -> str:
    """``"open"``, ``"not_yet_open"`` or ``"closed"`` as a respondent sees the poll.

    Past ``closes_at`` counts as closed even before the auto-close job has run.
    A draft poll is not open yet.
    """
    now = now or utcnow()
    if poll.state == PollState.CLOSED:
        return "closed"
    if poll.closes_at is not None and now >= poll.closes_at:
        return "closed"
    if poll.state == PollState.DRAFT:
        return "not_yet_open"
    if poll.opens_at is not None and now < poll.opens_at:
        return "not_yet_open"
    return "open"


def owner_key(invitation: PollInvitation, poll: Poll) -> str | None:
    """Whose response this invitation opens: its company's (company unit) or its person's."""
    if poll.response_unit == ResponseUnit.COMPANY and invitation.company_id is not None:
        return f"company:{invitation.company_id}"
    if invitation.contact_person_id is not None:
        return f"person:{invitation.contact_person_id}"
    if invitation.company_id is not None:
        return f"company:{invitation.company_id}"
    return None


def _response_owner(invitation: PollInvitation, poll: Poll) -> tuple[str, int] | None:
    """Which response an invitation shares: its company's (company unit) or its person's,
    as (column of PollResponse, id)."""
    if poll.response_unit == ResponseUnit.COMPANY and invitation.company_id is not None:
        return "company_id", invitation.company_id
    if invitation.contact_person_id is not None:
        return "contact_person_id", invitation.contact_person_id
    if invitation.company_id is not None:
        return "company_id", invitation.company_id
    return None


@functools.cache
def _response_statement(column: str) -> Select:
    """The first response of a poll by its company or person (``column``), with bound
    ``poll_id`` and ``owner_id``; built once per process and column."""
    return (
        select(PollResponse)
        .where(
            PollResponse.poll_id == bindparam("poll_id"),
            getattr(PollResponse, column) == bindparam("owner_id"),
        )
        .order_by(PollResponse.id)
        .limit(1)
    )


def find_response(invitation: PollInvitation) -> PollResponse | None:
    """The response this invitation opens, if one was started (a draft or, when not
    anonymous, a submitted one)."""
    poll = invitation.poll
    owner = _response_owner(invitation, poll)
    if owner is None:
        return None
    column, owner_id = owner
    return db.session.scalar(_response_statement(column), {"poll_id": poll.id, "owner_id": owner_id})


def response_for(invitation: PollInvitation) -> PollResponse:
    """The response this invitation opens: the existing one, or a new draft.

    One response per company (shared by its contacts) or per person, as the poll says.
    """
    response = find_response(invitation)
    if response is not None:
        return response
    poll = invitation.poll
    owner = owner_key(invitation, poll)
    if owner is None:  # an invitation of nobody in particular (not made by the plugin)
        response = PollResponse(poll_id=poll.id, status=ResponseStatus.DRAFT, draft={})
        db.session.add(response)
        db.session.flush()
        return response
    now = utcnow()
    # A request racing this one may insert the same owner's draft first: then this
    # insert does nothing (on PostgreSQL after waiting for the other to commit), and
    # both go on with the one row.
    upsert(
        PollResponse,
        [
            {
                "tenant_id": poll.tenant_id,
                "poll_id": poll.id,
                "owner": owner,
                "company_id": invitation.company_id,
                "contact_person_id": invitation.contact_person_id,
                "status": ResponseStatus.DRAFT,
                "draft": {},
                "started_at": now,
                "updated_at": now,
            }
        ],
        index_elements=["tenant_id", "poll_id", "owner"],
    )
    response = db.session.scalar(
        select(PollResponse)
        .where(PollResponse.poll_id == poll.id, PollResponse.owner == owner)
        .execution_options(populate_existing=True)
    )
    if response is None:
        # The other request submitted an anonymous response and cut it loose meanwhile: the
        # invitation is answered now, which its claim at submission will find.
        raise AlreadySubmitted("this response was submitted meanwhile")
    return response


def hold_invitation(invitation: PollInvitation) -> bool:
    """Lock the invitation's row for this transaction if it is still unanswered; False if answered.

    A draft saved while an anonymous submission of the same link commits would keep what
    was typed tied to the company: the submission waits for this lock, then deletes every
    draft of the owner; a save arriving after it finds the invitation answered.
    """
    held = db.session.execute(
        update(PollInvitation)
        .where(PollInvitation.id == invitation.id, PollInvitation.responded_at.is_(None))
        .values(responded_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    return held == 1


def is_submitted(invitation: PollInvitation, response: PollResponse | None = None) -> bool:
    """Whether this link's response is in: an anonymous response cannot be found back,
    so the invitation's ``responded_at`` says it."""
    if invitation.responded_at is not None:
        return True
    return response is not None and response.status == ResponseStatus.SUBMITTED


def draft_values(values: Any) -> dict[str, list[str]]:
    """The answer fields of a form as a draft: every value as typed, valid or not."""
    keys = values.keys() if hasattr(values, "keys") else []
    draft: dict[str, list[str]] = {}
    for name in keys:
        if not FIELD_NAME.match(name) or len(draft) >= DRAFT_FIELDS_MAX:
            continue
        draft[name] = [value[:DRAFT_VALUE_MAX] for value in _getlist(values, name)][:50]
    return draft


def save_draft(response: PollResponse, values: Any) -> PollResponse:
    """Keep what was typed in ``response.draft``; never validates anything away."""
    if response.status == ResponseStatus.SUBMITTED:
        raise AlreadySubmitted("this response was submitted")
    response.draft = draft_values(values)  # a new dict: JSON columns track assignment, not mutation
    response.updated_at = utcnow()
    db.session.flush()
    return response
