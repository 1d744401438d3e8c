"""Privacy hooks of the polls plugin: what it holds on a member or on a contact person
with or without an account (AVG access and erasure), and letting go of a company or
contact person about to be deleted (a contact's removal is their erasure).

Answers are kept for the results in every case; only the ties to the company
or person are cut. ``company_removed`` / ``contact_removed`` are called through
``all_hooks()``, so they run even where the plugin is disabled (its data stays,
and the composite foreign keys cannot ``SET NULL`` themselves).
"""

from __future__ import annotations

from sqlalchemy import case, delete, func, or_, select, update

from kringwerk.plugin_api import ContactPerson, db, delete_tokens, hookimpl, record, tenant_scope
from plugins.polls import answering
from plugins.polls.models import (
    ANSWER_LINK,
    Poll,
    PollAnswer,
    PollInvitation,
    PollResponse,
    ResponseStatus,
    ResponseUnit,
)


def _iso(moment):
    return moment.isoformat() if moment else None


def _anonymous(polls, poll_id) -> bool:
    """Whether the poll is anonymous; an unknown poll counts as anonymous (tell nothing)."""
    return polls[poll_id].anonymous if poll_id in polls else True


def _contact_ids(user) -> list[int]:
    return list(db.session.scalars(select(ContactPerson.id).where(ContactPerson.user_id == user.id)))


def _person_drafts(contact_ids):
    """Drafts of the one-per-person unit belonging to these contacts: nobody else can
    reach them once the person is gone, and they hold what was typed."""
    return (
        select(PollResponse.id)
        .join(Poll, Poll.id == PollResponse.poll_id)
        .where(
            PollResponse.contact_person_id.in_(contact_ids),
            PollResponse.status == ResponseStatus.DRAFT,
            Poll.response_unit == ResponseUnit.PERSON,
        )
    )


@hookimpl
def member_export(tenant, user):
    """The user's invitations and (non-anonymous) responses with answers (the panel is the core's).

    Of an anonymous poll only the invitation shows: not when it was answered and no
    draft, since the board reads this export and the poll promised never to tell.
    """
    with tenant_scope(tenant):
        contact_ids = _contact_ids(user)
        if not contact_ids:
            return None
        return _export(
            contact_ids,
            or_(PollInvitation.contact_person_id.in_(contact_ids), PollInvitation.email == user.email),
        )


@hookimpl
def contact_export(tenant, contact):
    """A contact person's invitations and (non-anonymous) responses, with or without an account."""
    with tenant_scope(tenant):
        return _export([contact.id], PollInvitation.contact_person_id == contact.id)


def _export(contact_ids, invited):
    """What the polls hold on these contact persons (the tenant in scope), or None if nothing."""
    invitations = db.session.scalars(select(PollInvitation).where(invited).order_by(PollInvitation.id)).all()
    responses = db.session.scalars(
        select(PollResponse)
        .join(Poll, Poll.id == PollResponse.poll_id)
        .where(PollResponse.contact_person_id.in_(contact_ids), Poll.anonymous.is_(False))
        .order_by(PollResponse.id)
    ).all()
    if not invitations and not responses:
        return None
    polls = {
        poll.id: poll
        for poll in db.session.scalars(
            select(Poll).where(Poll.id.in_({r.poll_id for r in responses} | {i.poll_id for i in invitations}))
        )
    }
    answers: dict[int, list[PollAnswer]] = {}
    for answer in db.session.scalars(
        select(PollAnswer)
        .where(PollAnswer.response_id.in_([r.id for r in responses]))
        .order_by(PollAnswer.id)
    ):
        answers.setdefault(answer.response_id, []).append(answer)
    items = {poll_id: answering.poll_items(poll_id) for poll_id in {r.poll_id for r in responses}}
    return {
        "poll_invitations": [
            {
                "poll": polls[i.poll_id].title if i.poll_id in polls else None,
                "email": i.email,
                "name": i.name,
                "sent_at": _iso(i.sent_at),
                "reminded_at": _iso(i.reminded_at),
                "anonymous": _anonymous(polls, i.poll_id),
                "responded_at": None if _anonymous(polls, i.poll_id) else _iso(i.responded_at),
            }
            for i in invitations
        ],
        # Anonymous responses keep no contact person after submission, so they never show here.
        "poll_responses": [
            {
                "poll": polls[r.poll_id].title,
                "status": r.status.value,
                "started_at": _iso(r.started_at),
                "submitted_at": _iso(r.submitted_at),
                "draft": r.draft or {},
                "answers": [
                    {"question": item.text, "answer": [str(text) for text in texts]}
                    for item, texts in answering.receipt_lines(items[r.poll_id], answers.get(r.id, []))
                ],
            }
            for r in responses
        ],
    }


@hookimpl
def member_erase(tenant, user):
    """Cut the ties of the user's responses, drop their person drafts and their
    unanswered invitations, and blank the address on answered ones (kept for the
    response rate)."""
    with tenant_scope(tenant):
        contact_ids = _contact_ids(user)
        mine = or_(PollInvitation.email == user.email, PollInvitation.contact_person_id.in_(contact_ids))
        # Their links die with the erasure, also those of answered invitations that stay.
        delete_tokens(ANSWER_LINK, select(PollInvitation.id).where(mine))
        db.session.execute(
            delete(PollInvitation)
            .where(mine, PollInvitation.responded_at.is_(None))
            .execution_options(synchronize_session="fetch")
        )
        for invitation in db.session.scalars(select(PollInvitation).where(mine)):
            invitation.email = f"erased-{invitation.id}@invalid"  # unique per poll, and no address
            invitation.name = None
            invitation.locale = None
            invitation.contact_person_id = None
        if contact_ids:
            _let_go_of_responses(PollResponse.contact_person_id.in_(contact_ids), contact_ids)
        db.session.flush()


def _let_go_of_responses(condition, contact_ids, *, company=False) -> None:
    drafts = _person_drafts(contact_ids) if contact_ids else None
    if company:
        # A company's drafts have no answers and no one left to finish them.
        drafts = select(PollResponse.id).where(condition, PollResponse.status == ResponseStatus.DRAFT)
    if drafts is not None:
        db.session.execute(
            delete(PollResponse)
            .where(PollResponse.id.in_(drafts))
            .execution_options(synchronize_session="fetch")
        )
    # The owner names the person (or the company) too; a company's response stays the
    # company's while only one of its contacts goes.
    values = {
        "contact_person_id": None,
        "owner": case((PollResponse.owner.like("person:%"), None), else_=PollResponse.owner),
    }
    if company:
        values["company_id"] = None
        values["owner"] = None
    db.session.execute(
        update(PollResponse).where(condition).values(**values).execution_options(synchronize_session="fetch")
    )


@hookimpl
def company_removed(tenant, company):
    """Keep the company's submitted answers for the results, without the company."""
    with tenant_scope(tenant):
        contact_ids = list(
            db.session.scalars(select(ContactPerson.id).where(ContactPerson.company_id == company.id))
        )
        condition = PollResponse.company_id == company.id
        if contact_ids:
            condition = or_(condition, PollResponse.contact_person_id.in_(contact_ids))
        _let_go_of_responses(condition, contact_ids, company=True)
        # Invitations go with the company (their keys cascade); deleting them here keeps
        # the session from flushing stale rows on databases that do not cascade.
        invited = PollInvitation.company_id == company.id
        if contact_ids:
            invited = or_(invited, PollInvitation.contact_person_id.in_(contact_ids))
        delete_tokens(ANSWER_LINK, select(PollInvitation.id).where(invited))
        db.session.execute(
            delete(PollInvitation).where(invited).execution_options(synchronize_session="fetch")
        )
        db.session.flush()


@hookimpl
def contact_removed(tenant, contact):
    """Keep the person's answers and the response rate, without the person.

    Their responses stay (submitted answers count in the results) with the tie cut, their
    person drafts go; an answered invitation stays for the rate with no address, name or
    person; an unanswered one goes with its link. Logged as ``polls.contact_erased`` with
    counts only."""
    with tenant_scope(tenant):
        mine = PollInvitation.contact_person_id == contact.id
        delete_tokens(ANSWER_LINK, select(PollInvitation.id).where(mine))
        drafts = db.session.scalar(select(func.count()).select_from(_person_drafts([contact.id]).subquery()))
        kept = db.session.scalar(
            select(func.count(PollResponse.id)).where(
                PollResponse.contact_person_id == contact.id, PollResponse.status != ResponseStatus.DRAFT
            )
        )
        _let_go_of_responses(PollResponse.contact_person_id == contact.id, [contact.id])
        dropped = db.session.execute(
            delete(PollInvitation)
            .where(mine, PollInvitation.responded_at.is_(None))
            .execution_options(synchronize_session="fetch")
        ).rowcount
        answered = list(db.session.scalars(select(PollInvitation).where(mine)))
        for invitation in answered:
            invitation.email = f"erased-{invitation.id}@invalid"  # unique per poll, and no address
            invitation.name = None
            invitation.locale = None
            invitation.contact_person_id = None
        db.session.flush()
        if kept or drafts or dropped or answered:
            record(
                "polls.contact_erased",
                # The trail names the person by number only: it must not keep what was erased.
                target_label=f"#{contact.id}",
                details={
                    "responses_kept": kept,
                    "drafts_deleted": drafts,
                    "invitations_deleted": dropped,
                    "invitations_kept": len(answered),
                },
            )
            db.session.flush()
