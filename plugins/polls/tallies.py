"""Running counts of a poll's submitted answers (``PollTally``), kept at submission.

The results page groups answers by question, option and value; reading every
answer makes it grow with the number of responses (see docs/performance.md).
Answers are only ever added by a submission and removed with their poll, so the
counts are added to in the same transaction as the answers and read back as a
few rows per question. ``recount`` rebuilds a poll's counts from its answers:
for answers written in bulk (the benchmark) and as a repair.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, distinct, func, select

from kringwerk.plugin_api import db, upsert
from plugins.polls.models import Poll, PollAnswer, PollTally

# The bucket counting the responses that answered a question at all (one per
# response however many rows it left, e.g. three options of a multiple choice).
RESPONDENTS = "respondents"


def bucket(option_id: int | None, value: float | None) -> str:
    """The name of an (option, value) pair; the same float always gives the same name."""
    return f"{'' if option_id is None else option_id}:{'' if value is None else repr(float(value))}"


def count_answers(poll: Poll, answers: Iterable[Mapping[str, Any]]) -> None:
    """Add one submitted response's answers (dicts or rows with question_id,
    option_id and value_number) to the poll's counts: one upsert."""
    atoms = [_fields(answer) for answer in answers]
    _add(poll, [(*atom, 1) for atom in atoms], [(question_id, 1) for question_id in {a[0] for a in atoms}])


def recount(poll: Poll) -> None:
    """Rebuild the poll's counts from its answers: two grouped statements and one insert."""
    db.session.execute(delete(PollTally).where(PollTally.poll_id == poll.id))
    grouped = db.session.execute(
        select(PollAnswer.question_id, PollAnswer.option_id, PollAnswer.value_number, func.count())
        .where(PollAnswer.poll_id == poll.id)
        .group_by(PollAnswer.question_id, PollAnswer.option_id, PollAnswer.value_number)
    ).all()
    respondents = db.session.execute(
        select(PollAnswer.question_id, func.count(distinct(PollAnswer.response_id)))
        .where(PollAnswer.poll_id == poll.id)
        .group_by(PollAnswer.question_id)
    ).all()
    _add(poll, grouped, respondents)


def forget(poll: Poll) -> None:
    """Remove the poll's counts (its answers are being deleted)."""
    db.session.execute(delete(PollTally).where(PollTally.poll_id == poll.id))


def _fields(answer) -> tuple[int, int | None, float | None]:
    if isinstance(answer, Mapping):
        return answer["question_id"], answer.get("option_id"), answer.get("value_number")
    return answer.question_id, answer.option_id, answer.value_number


def _add(
    poll: Poll,
    grouped: Iterable[tuple[int, int | None, float | None, int]],
    respondents: Iterable[tuple[int, int]],
) -> None:
    """Add (question, option, value, count) and (question, respondents) to the counts."""
    records: dict[tuple[int, str], dict] = {}

    def add(question_id: int, name: str, option_id, value, count: int) -> None:
        record = records.setdefault(
            (question_id, name),
            {
                "tenant_id": poll.tenant_id,
                "poll_id": poll.id,
                "question_id": question_id,
                "bucket": name,
                "option_id": option_id,
                "value_number": value,
                "count": 0,
            },
        )
        record["count"] += count

    for question_id, option_id, value, count in grouped:
        add(question_id, bucket(option_id, value), option_id, value, count)
    for question_id, count in respondents:
        add(question_id, RESPONDENTS, None, None, count)
    if not records:
        return
    # Sorted, so concurrent submissions lock the same rows in the same order (no deadlock).
    upsert(
        PollTally,
        [records[key] for key in sorted(records)],
        index_elements=["tenant_id", "question_id", "bucket"],
        set_={"count": lambda excluded: PollTally.count + excluded["count"]},
    )
