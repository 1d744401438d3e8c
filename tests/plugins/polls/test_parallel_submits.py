"""Parallel submissions of one personal link (a double click, a script firing twenty
requests at once) leave exactly one submitted response, on SQLite and PostgreSQL,
for named and anonymous polls, in the company and in the person unit.

Each request comes from its own test client on its own thread, so each has its own
session and database connection, as on a server with several workers.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.polls import sealing, tallies
from plugins.polls.models import (
    Poll,
    PollAnswer,
    PollInvitation,
    PollResponse,
    PollSealedResponse,
    PollTally,
    ResponseStatus,
    ResponseUnit,
)
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_answering import invite, questions, valid_values

PARALLEL = 20
ANSWER_ATOMS = 17  # the answer rows of one ``valid_values`` submission


def _fire(app, url: str, data, count: int = PARALLEL) -> list[int]:
    """POST ``data`` to ``url`` from ``count`` clients at once; the status codes."""
    clients = [app.test_client() for _ in range(count)]
    start = threading.Barrier(count)

    def post(client):
        start.wait()
        return client.post(url, data=data).status_code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(post, clients))


def _release(tenant, poll_id, anonymous: bool) -> None:
    """Anonymous answers wait sealed for their group: exactly one waits; write it now."""
    with tenant_scope(tenant):
        waiting = db.session.scalar(
            select(func.count(PollSealedResponse.id)).where(PollSealedResponse.poll_id == poll_id)
        )
        assert waiting == (1 if anonymous else 0)
        sealing.release(db.session.get(Poll, poll_id))
        db.session.commit()


def _state(tenant, poll_id):
    with tenant_scope(tenant):
        submitted = db.session.scalar(
            select(func.count(PollResponse.id)).where(
                PollResponse.poll_id == poll_id, PollResponse.status == ResponseStatus.SUBMITTED
            )
        )
        everything = db.session.scalar(
            select(func.count(PollResponse.id)).where(PollResponse.poll_id == poll_id)
        )
        answers = db.session.scalar(select(func.count(PollAnswer.id)).where(PollAnswer.poll_id == poll_id))
        counts = sorted(
            (t.question_id, t.bucket, t.count)
            for t in db.session.scalars(select(PollTally).where(PollTally.poll_id == poll_id))
        )
        tallies.recount(db.session.get(Poll, poll_id))
        db.session.flush()
        recounted = sorted(
            (t.question_id, t.bucket, t.count)
            for t in db.session.scalars(select(PollTally).where(PollTally.poll_id == poll_id))
        )
        db.session.rollback()
        return submitted, everything, answers, counts, recounted


@pytest.mark.both_databases
@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
@pytest.mark.parametrize("unit", [ResponseUnit.COMPANY, ResponseUnit.PERSON], ids=["company", "person"])
def test_twenty_parallel_submits_of_one_link_give_one_response(app, polls_world, anonymous, unit):
    w = polls_world
    poll_id = make_poll(w.a.tenant, anonymous=anonymous, response_unit=unit)
    b_poll_id = make_poll(w.b.tenant, title="Poll of tenant B", anonymous=anonymous, response_unit=unit)
    token = invite(
        w.a.tenant,
        poll_id,
        "anna@alpha.test",
        w.company_ids["Alpha Bouw BV"],
        w.contact_ids["anna@alpha.test"],
    )
    data = valid_values(questions(w.a.tenant, poll_id))
    data["submit"] = "1"

    codes = _fire(app, f"/{w.a.tenant.slug}/polls/{poll_id}/a/{token}", data)

    assert set(codes) <= {200, 303}, codes  # the receipt or the redirect to it, never an error
    _release(w.a.tenant, poll_id, anonymous)
    submitted, everything, answers, counts, recounted = _state(w.a.tenant, poll_id)
    assert (submitted, everything, answers) == (1, 1, ANSWER_ATOMS)
    assert counts == recounted  # the running counts took the one response once
    with tenant_scope(w.a.tenant):
        assert (
            db.session.scalar(select(PollInvitation.responded_at).where(PollInvitation.poll_id == poll_id))
            is not None
        )
    # Tenant B's link is not reached by tenant A's: its poll has nothing.
    assert _state(w.b.tenant, b_poll_id)[:3] == (0, 0, 0)
    bad = _fire(app, f"/{w.b.tenant.slug}/polls/{b_poll_id}/a/{token}", data, count=2)
    assert bad == [404, 404]


@pytest.mark.both_databases
@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_colleagues_submitting_at_once_give_one_company_response(app, polls_world, anonymous):
    """Two contacts of one company, ten submissions each, in a poll answered per company."""
    w = polls_world
    poll_id = make_poll(w.a.tenant, anonymous=anonymous, response_unit=ResponseUnit.COMPANY)
    company = w.company_ids["Alpha Bouw BV"]
    urls = [
        f"/{w.a.tenant.slug}/polls/{poll_id}/a/"
        + invite(w.a.tenant, poll_id, email, company, w.contact_ids[email])
        for email in ("anna@alpha.test", "arie@alpha.test")
    ]
    data = valid_values(questions(w.a.tenant, poll_id))
    data["submit"] = "1"
    clients = [(app.test_client(), urls[index % 2]) for index in range(PARALLEL)]
    start = threading.Barrier(PARALLEL)

    def post(pair):
        client, url = pair
        start.wait()
        return client.post(url, data=data).status_code

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        codes = list(pool.map(post, clients))

    assert set(codes) <= {200, 303}, codes
    _release(w.a.tenant, poll_id, anonymous)
    submitted, everything, answers, counts, recounted = _state(w.a.tenant, poll_id)
    assert (submitted, everything, answers) == (1, 1, ANSWER_ATOMS)
    assert counts == recounted
    with tenant_scope(w.b.tenant):
        assert db.session.scalar(select(func.count(PollResponse.id))) == 0
