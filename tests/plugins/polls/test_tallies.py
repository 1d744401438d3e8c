"""The running counts of a poll's answers: every submission adds exactly what a
recount of the answers finds, the results read the same figures from them,
deleting the poll removes them, and one tenant's counts never reach the other's."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.polls import answering, results, services, tallies
from plugins.polls.models import Poll, PollTally
from tests.plugins.polls.test_answering import questions, valid_values

pytestmark = pytest.mark.both_databases


def snapshot(tenant, poll_id: int) -> list[tuple]:
    with tenant_scope(tenant):
        return sorted(
            db.session.execute(
                select(
                    PollTally.question_id,
                    PollTally.bucket,
                    PollTally.option_id,
                    PollTally.value_number,
                    PollTally.count,
                ).where(PollTally.poll_id == poll_id)
            ).all()
        )


def submit_three(polls_world, poll_id: int):
    """Three responses of tenant A: the full set, one with other answers, one leaving most out."""
    side = polls_world.a
    q = questions(side.tenant, poll_id)
    answers = [
        valid_values(q),
        valid_values(
            q,
            **{
                f"q{q.single}": str(q.no),
                f"q{q.long}": None,  # hidden when "Nee"
                f"q{q.multiple}": [str(q.multiple_options[2])],
                f"q{q.number}": "12",
            },
        ),
        valid_values(q, **{f"q{q.short}": None, f"q{q.number}": None, f"q{q.multiple}": None}),
    ]
    companies = list(polls_world.company_ids.values())
    with tenant_scope(side.tenant):
        poll = db.session.get(Poll, poll_id)
        for company_id, values in zip(companies, answers, strict=False):
            answering.record_response(poll, values, company_id=company_id)
    db.session.commit()
    return q


def test_submissions_count_what_a_recount_of_the_answers_finds(polls_world, poll_id, b_poll_id):
    q = submit_three(polls_world, poll_id)
    kept = snapshot(polls_world.a.tenant, poll_id)
    by_bucket = {(question_id, bucket): count for question_id, bucket, _o, _v, count in kept}

    # Responses, not rows: the first response chose two options of the multiple choice.
    assert by_bucket[(q.multiple, tallies.RESPONDENTS)] == 2
    assert by_bucket[(q.multiple, tallies.bucket(q.multiple_options[2], None))] == 2
    assert by_bucket[(q.multiple, tallies.bucket(q.multiple_options[0], None))] == 1
    assert by_bucket[(q.number, tallies.bucket(None, 12))] == 1
    assert by_bucket[(q.number, tallies.RESPONDENTS)] == 2
    assert by_bucket[(q.long, tallies.RESPONDENTS)] == 2
    assert by_bucket[(q.single, tallies.RESPONDENTS)] == 3

    with tenant_scope(polls_world.a.tenant):
        tallies.recount(db.session.get(Poll, poll_id))
    db.session.commit()
    assert snapshot(polls_world.a.tenant, poll_id) == kept
    assert snapshot(polls_world.b.tenant, b_poll_id) == []


def test_results_read_the_counts(polls_world, poll_id):
    q = submit_three(polls_world, poll_id)
    with tenant_scope(polls_world.a.tenant):
        found = {r.question.id: r for r in results.poll_results(db.session.get(Poll, poll_id)).questions}
    multiple = found[q.multiple]
    assert multiple.answered == 2
    assert [(o.count, o.percent) for o in multiple.options] == [(1, 50.0), (0, 0.0), (2, 100.0)]
    assert found[q.number].answered == 2
    assert found[q.number].average == 18.5
    assert found[q.themes].answered == 3


def test_counts_add_up_per_bucket_across_submissions(polls_world, poll_id):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll = db.session.get(Poll, poll_id)
        question_id = poll.questions[1].id
        option_id = poll.questions[1].options[0].id
        answer = {"question_id": question_id, "option_id": option_id, "value_number": None}
        for _ in range(4):
            tallies.count_answers(poll, [answer])
        db.session.flush()
        rows = db.session.execute(
            select(PollTally.bucket, PollTally.count).where(PollTally.question_id == question_id)
        ).all()
    assert sorted(rows) == [(tallies.bucket(option_id, None), 4), (tallies.RESPONDENTS, 4)]


def test_deleting_the_poll_removes_its_counts_only(polls_world, poll_id):
    submit_three(polls_world, poll_id)
    side = polls_world.a
    with tenant_scope(side.tenant):
        copy = services.copy_poll(db.session.get(Poll, poll_id), actor=side.admin)
        tallies.count_answers(
            copy, [{"question_id": copy.questions[1].id, "option_id": None, "value_number": None}]
        )
        keep = copy.id
        services.delete_poll(db.session.get(Poll, poll_id), actor=side.admin)
    db.session.commit()
    assert snapshot(side.tenant, poll_id) == []
    assert len(snapshot(side.tenant, keep)) == 2


def test_other_tenant_sees_none_of_the_counts(polls_world, poll_id, b_poll_id):
    submit_three(polls_world, poll_id)
    with tenant_scope(polls_world.b.tenant):
        assert db.session.scalar(select(func.count(PollTally.id))) == 0
        b_poll = db.session.get(Poll, b_poll_id)
        assert all(r.answered == 0 for r in results.poll_results(b_poll).questions)
