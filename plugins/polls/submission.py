"""Submitting a response: the claims that let only one of several racing submissions
through, the answer rows and running counts, and counting the invitations as answered.

A submission claims its response in the database (a conditional UPDATE from draft to
submitted) and, in an anonymous poll, its invitation (answered only once). The one
response per owner is held by a unique key (``responses.response_for``), so parallel
requests of one link, or colleagues of one company, meet the same row and only one
claim succeeds.

An anonymous submission writes no answers itself: it marks the invitation answered,
deletes the company's draft, and hands the validated answers, without any id of a
company or person, to a job that seals them (``sealing``) in a transaction of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, update

from kringwerk.plugin_api import db, enqueue, utcnow
from plugins.polls import tallies
from plugins.polls.models import (
    Poll,
    PollAnswer,
    PollInvitation,
    PollQuestion,
    PollResponse,
    ResponseStatus,
    ResponseUnit,
)
from plugins.polls.responses import (
    AlreadySubmitted,
    PollNotOpen,
    hold_invitation,
    is_submitted,
    owner_key,
    respondent_state,
    save_draft,
)
from plugins.polls.sealing import seal_job
from plugins.polls.validation import InvalidResponse, validate


def start_of_day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _write_answers(poll: Poll, response: PollResponse, atoms: list[dict], now: datetime) -> None:
    response.answers = [PollAnswer(poll_id=poll.id, **atom) for atom in atoms]
    tallies.count_answers(poll, atoms)
    response.status = ResponseStatus.SUBMITTED
    response.submitted_at = now
    response.updated_at = now
    response.draft = {}
    if poll.anonymous:
        # Cut every tie: no column may lead from the answers to the company or person,
        # and exact times would let one match the response to an invitation's timestamps.
        day = start_of_day(now)
        response.company_id = None
        response.contact_person_id = None
        response.owner = None
        response.submitted_at = day
        response.updated_at = day
        response.started_at = day


def _mark_responded(
    poll: Poll, now: datetime, *, company_id=None, contact_person_id=None, invitation_id=None
) -> None:
    """Count the response: the invitation, and in the company unit every invitation of the company."""
    stamp = start_of_day(now) if poll.anonymous else now
    conditions = []
    if invitation_id is not None:
        conditions.append(PollInvitation.id == invitation_id)
    if poll.response_unit == ResponseUnit.COMPANY and company_id is not None:
        conditions.append(PollInvitation.company_id == company_id)
    elif contact_person_id is not None:
        conditions.append(PollInvitation.contact_person_id == contact_person_id)
    if not conditions:
        return
    db.session.execute(
        update(PollInvitation)
        .where(PollInvitation.poll_id == poll.id, PollInvitation.responded_at.is_(None), or_(*conditions))
        .values(responded_at=stamp)
        .execution_options(synchronize_session="fetch")
    )


def _claim(response: PollResponse) -> None:
    """Flip the response from draft to submitted in the database, or raise: of two
    submissions racing (a double click, two colleagues at once) only one finds it a draft."""
    claimed = db.session.execute(
        update(PollResponse)
        .where(PollResponse.id == response.id, PollResponse.status == ResponseStatus.DRAFT)
        .values(status=ResponseStatus.SUBMITTED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise AlreadySubmitted("this response was submitted meanwhile")


def submit(
    response: PollResponse, invitation: PollInvitation, values: Any, items: list[PollQuestion] | None = None
) -> dict[int, Any] | None:
    """Validate and submit: errors (the draft keeps what was typed) or None when submitted.

    Raises ``AlreadySubmitted`` for a response that is in, ``PollNotOpen`` when the
    poll does not take answers now. The caller rolls back on either.
    """
    poll = invitation.poll
    if is_submitted(invitation, response):
        raise AlreadySubmitted("this response was submitted")
    if respondent_state(poll) != "open":
        raise PollNotOpen(respondent_state(poll))
    atoms, errors = validate(poll, values, items)
    if errors:
        save_draft(response, values)
        return errors
    _claim(response)
    now = utcnow()
    company_id = response.company_id or invitation.company_id
    contact_person_id = response.contact_person_id or invitation.contact_person_id
    if poll.anonymous:
        _submit_anonymous(poll, response, invitation, atoms, now)
        return None
    _write_answers(poll, response, atoms, now)
    db.session.flush()
    _mark_responded(
        poll, now, company_id=company_id, contact_person_id=contact_person_id, invitation_id=invitation.id
    )
    db.session.flush()
    return None


def _submit_anonymous(
    poll: Poll, response: PollResponse, invitation: PollInvitation, atoms: list[dict], now: datetime
) -> None:
    # The invitation is answered once: a request that raced past the response's claim
    # with a draft of its own (the first one was cut loose and deleted) stops here.
    if not hold_invitation(invitation):
        raise AlreadySubmitted("this invitation was answered meanwhile")
    _mark_responded(
        poll,
        now,
        company_id=invitation.company_id,
        contact_person_id=invitation.contact_person_id,
        invitation_id=invitation.id,
    )
    # The draft goes, with any other draft of the owner: what was typed stays tied to no one.
    owner = owner_key(invitation, poll)
    gone = PollResponse.id == response.id
    if owner is not None:
        gone = or_(gone, PollResponse.owner == owner)
    db.session.execute(
        delete(PollResponse)
        .where(PollResponse.poll_id == poll.id, gone)
        .execution_options(synchronize_session="fetch")
    )
    # Only the poll, the day and the answers travel: no company, person, invitation or time.
    enqueue(
        seal_job, poll.id, atoms, start_of_day(now).isoformat(), plugin="polls", description="polls: seal"
    )
    db.session.flush()


def record_response(
    poll: Poll,
    values: Any,
    *,
    company_id: int | None = None,
    contact_person_id: int | None = None,
    items: list[PollQuestion] | None = None,
) -> PollResponse:
    """Submit a response without an invitation (the demo loader, the benchmark).

    Validates like ``submit`` and raises ``InvalidResponse`` (a ValueError, with
    ``errors``) if the answers are invalid. Invitations of the company (company
    unit) or person for this poll are counted as responded. Does not check
    whether the poll is open, so past polls can be filled. Anonymous responses are
    written at once here (made-up data needs no sealing).
    """
    atoms, errors = validate(poll, values, items)
    if errors:
        raise InvalidResponse(errors)
    now = utcnow()
    response = PollResponse(
        poll_id=poll.id, company_id=company_id, contact_person_id=contact_person_id, draft={}, started_at=now
    )
    db.session.add(response)
    _write_answers(poll, response, atoms, now)
    db.session.flush()
    _mark_responded(poll, now, company_id=company_id, contact_person_id=contact_person_id)
    return response
