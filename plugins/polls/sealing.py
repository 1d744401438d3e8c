"""Sealing anonymous answers: written among others, never beside their invitation.

On PostgreSQL every row carries the id of the transaction that wrote it (``xmin``),
and ids and row order follow the order of writing. An anonymous response written
with its invitation, or one by one, could be matched to the invitation by any of
these. So a submission only marks its invitation answered and enqueues ``seal_job``
with the poll, the day and the answers. The job stores them in
``poll_sealed_responses`` in a transaction of its own; once ``SEAL_GROUP`` wait (or
the poll has closed) one transaction writes them all as responses, in random order,
dated the day the group is written, adds them to the running counts and deletes the
waiting rows. What remains says only that a response was one of its group.
"""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import delete, func, select

from kringwerk.plugin_api import db, utcnow
from plugins.polls import tallies
from plugins.polls.models import Poll, PollAnswer, PollResponse, PollSealedResponse, PollState, ResponseStatus

# How many anonymous responses are written together (the smallest group one can hide in).
SEAL_GROUP = 5


def shuffle(rows: list) -> None:
    """Put ``rows`` in an order nobody can predict (the tests replace it)."""
    random.SystemRandom().shuffle(rows)


def _closed(poll: Poll, now: datetime) -> bool:
    return poll.state == PollState.CLOSED or (poll.closes_at is not None and now >= poll.closes_at)


def seal_job(poll_id: int, atoms: list[dict], day: str) -> int:
    """Job: keep one anonymous response waiting; write the group when it is full or
    the poll has closed. Returns how many responses were written."""
    poll = db.session.get(Poll, poll_id)
    if poll is None:  # deleted meanwhile: its answers go with it
        return 0
    db.session.add(PollSealedResponse(poll_id=poll.id, day=datetime.fromisoformat(day), atoms=atoms))
    db.session.flush()
    waiting = db.session.scalar(
        select(func.count(PollSealedResponse.id)).where(PollSealedResponse.poll_id == poll.id)
    )
    if waiting >= SEAL_GROUP or _closed(poll, utcnow()):
        return release(poll)
    return 0


def release(poll: Poll) -> int:
    """Write every waiting anonymous response of ``poll`` in one go, in random order."""
    waiting = list(
        db.session.scalars(select(PollSealedResponse).where(PollSealedResponse.poll_id == poll.id))
    )
    if not waiting:
        return 0
    for row in waiting:
        db.session.expunge(row)  # deleted by statement below; only their values are needed
    shuffle(waiting)
    day = max(row.day for row in waiting)
    written = 0
    for row in waiting:
        # Of two releases racing, each waiting row is written by the one that deletes it.
        taken = db.session.execute(
            delete(PollSealedResponse)
            .where(PollSealedResponse.id == row.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            continue
        response = PollResponse(
            poll_id=poll.id,
            status=ResponseStatus.SUBMITTED,
            draft={},
            started_at=day,
            updated_at=day,
            submitted_at=day,
            answers=[PollAnswer(poll_id=poll.id, **atom) for atom in row.atoms],
        )
        db.session.add(response)
        db.session.flush()  # one at a time, so ids follow the shuffled order
        tallies.count_answers(poll, row.atoms)
        written += 1
    return written


def release_closed_job(tenant_id: int) -> int:
    """Periodic, per tenant: write the last, smaller groups of polls that have closed."""
    now = utcnow()
    polls = db.session.scalars(
        select(Poll).where(Poll.id.in_(select(PollSealedResponse.poll_id).distinct()))
    ).all()
    return sum(release(poll) for poll in polls if _closed(poll, now))
