"""An attacker with the database and the logs tries to tie anonymous answers to the
people who gave them: by a column, by PostgreSQL's ``xmin`` (the writing transaction),
by the order of ids, by timestamps, and by log lines with tokens beside exact times.

Six people answer an anonymous poll through their links, one after the other, each
with an answer only they gave. What they find: the answers wait sealed and are written
five at a time (the sixth when the poll has closed), each group in one transaction of
its own, in the sealing's random order, dated the day the group was written; no log
line carries a token.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import delete as sa_delete
from sqlalchemy import func, select, text

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope, unscoped
from plugins.polls import answering, sealing
from plugins.polls.models import (
    Poll,
    PollAnswer,
    PollInvitation,
    PollResponse,
    PollSealedResponse,
    PollState,
    ResponseUnit,
)
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_answering import invite, questions, valid_values

PEOPLE = (
    "anna@alpha.test",
    "arie@alpha.test",
    "bert@berends.test",
    "carla@chemie.test",
    "dirk@dewit.test",
    "eva@elektro.test",
)


@pytest.fixture
def answered(app, polls_world, b_poll_id, client, monkeypatch, caplog):
    """The anonymous poll, the tokens in answering order, and each one's own answer."""
    w = polls_world
    # The sealing's shuffle made predictable (reversed), so the test does not depend on luck:
    # what matters is that ids follow the shuffle, not the order people answered in.
    monkeypatch.setattr(sealing, "shuffle", lambda rows: rows.reverse())
    poll_id = make_poll(w.a.tenant, anonymous=True, response_unit=ResponseUnit.PERSON)
    company_of = {email: name for name, *_rest, emails in _companies() for email in emails}
    tokens = [
        invite(w.a.tenant, poll_id, email, w.company_ids[company_of[email]], w.contact_ids[email])
        for email in PEOPLE
    ]
    q = questions(w.a.tenant, poll_id)
    caplog.set_level(logging.DEBUG)
    for email, token in zip(PEOPLE, tokens, strict=True):
        data = valid_values(q)
        data[f"q{q.short}"] = f"answer of {email}"
        data["submit"] = "1"
        url = f"/{w.a.tenant.slug}/polls/{poll_id}/a/{token}"
        client.post(url, data={f"q{q.long}": "typing", "save": "1"})  # a draft first, tied to the person
        assert client.post(url, data=data).status_code == 303
    return w, poll_id, tokens, q


def _companies():
    from tests.plugins.polls.conftest import COMPANIES_A

    return COMPANIES_A


def _answers_by_response(tenant, poll_id, q) -> list[str]:
    with tenant_scope(tenant):
        return list(
            db.session.scalars(
                select(PollAnswer.value_text)
                .where(PollAnswer.poll_id == poll_id, PollAnswer.question_id == q.short)
                .order_by(PollAnswer.response_id)
            )
        )


@pytest.mark.both_databases
def test_groups_hide_who_answered_what(answered, app):
    w, poll_id, _tokens, q = answered
    with tenant_scope(w.a.tenant):
        # Five are written as a group; the sixth waits, with nothing but the poll, day and answers.
        assert db.session.scalar(select(func.count(PollResponse.id))) == 5
        [waiting] = db.session.scalars(select(PollSealedResponse)).all()
        assert set(waiting.__table__.columns.keys()) == {"id", "tenant_id", "poll_id", "day", "atoms"}
        # No column ties a response to anyone, and no draft of anyone is left.
        for response in db.session.scalars(select(PollResponse)):
            assert (response.company_id, response.contact_person_id, response.owner) == (None, None, None)
            assert response.draft == {}
    # The ids follow the sealing's order, not the order in which people answered.
    first = [f"answer of {email}" for email in PEOPLE[:5]]
    assert _answers_by_response(w.a.tenant, poll_id, q) == list(reversed(first))
    with tenant_scope(w.a.tenant):
        db.session.get(Poll, poll_id).state = PollState.CLOSED
        db.session.commit()
    with tenant_scope(w.a.tenant):
        assert sealing.release_closed_job(w.a.tenant.id) == 1
        db.session.commit()
        responses = list(db.session.scalars(select(PollResponse).order_by(PollResponse.id)))
        assert len(responses) == 6 and db.session.scalar(select(func.count(PollSealedResponse.id))) == 0
        # Times: a group shares one day, at midnight, as the invitations' answered day is.
        group_days = {(r.started_at, r.updated_at, r.submitted_at) for r in responses[:5]}
        assert len(group_days) == 1
        for response in responses:
            assert response.submitted_at.time().isoformat() == "00:00:00"
        for invitation in db.session.scalars(select(PollInvitation)):
            assert invitation.responded_at.time().isoformat() == "00:00:00"
    with tenant_scope(w.b.tenant):  # tenant B's poll has nothing of it
        assert db.session.scalar(select(func.count(PollResponse.id))) == 0
        assert db.session.scalar(select(func.count(PollSealedResponse.id))) == 0


@pytest.mark.postgresql_only
def test_no_response_shares_a_transaction_with_an_invitation(answered):
    w, poll_id, _tokens, _q = answered
    with tenant_scope(w.a.tenant):
        db.session.get(Poll, poll_id).state = PollState.CLOSED
        db.session.commit()
    with tenant_scope(w.a.tenant):
        sealing.release_closed_job(w.a.tenant.id)
        db.session.commit()
    with unscoped("test: the attacker reads every row"):

        def xmins(table):
            return [row[0] for row in db.session.execute(text(f"SELECT xmin::text FROM {table} ORDER BY id"))]

        invitations = set(xmins("poll_invitations"))
        responses = xmins("poll_responses")
        answers = set(xmins("poll_answers"))
        db.session.commit()
    assert len(invitations) == 6  # each answered in its own transaction
    assert not invitations & (set(responses) | answers)
    # The first five were written together: one transaction, so xmin orders nothing among them.
    assert len(set(responses[:5])) == 1 and len(set(responses)) == 2


def test_no_log_line_carries_a_token(answered, caplog, app, client, monkeypatch):
    """Neither the requests above nor an unexpected error on a link logs its token."""
    w, poll_id, tokens, q = answered
    messages = [record.getMessage() for record in caplog.get_records("setup")]  # the fixture's requests
    assert messages  # the requests were logged at all
    for token in tokens:
        assert not any(token in message for message in messages)
    assert not any("answer of" in message for message in messages)

    caplog.clear()
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(*args, **kwargs):
        raise RuntimeError("a failure while answering")

    monkeypatch.setattr(answering, "find_invitation", broken)
    url = f"/{w.a.tenant.slug}/polls/{poll_id}/a/{tokens[0]}"
    assert client.post(url, data={"submit": "1"}).status_code == 500
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert any("unhandled error" in message and "[token]" in message for message in errors), errors
    assert not any(tokens[0] in message for message in errors)


@pytest.mark.both_databases
def test_waiting_answers_lock_the_poll_and_go_with_it(answered):
    """An answer waiting for its group counts as a response: the questions it answers stay
    as they are, and deleting the poll deletes it too."""
    from plugins.polls import services

    w, poll_id, _tokens, _q = answered
    with tenant_scope(w.a.tenant):
        db.session.execute(sa_delete(PollResponse))  # only the waiting answer is left
        db.session.execute(sa_delete(PollAnswer))
        db.session.commit()
        poll = db.session.get(Poll, poll_id)
        assert services.has_responses(poll)
        services.delete_poll(poll, actor=w.a.admin)
        db.session.commit()
        assert db.session.scalar(select(func.count(PollSealedResponse.id))) == 0
    with tenant_scope(w.b.tenant):
        assert db.session.scalar(select(func.count(Poll.id))) == 1  # tenant B's poll stays
