"""Asking for a sign-in or reset link does the same work for every address, so its
timing does not tell whether the address has an account: the lookup, the token and
the mail happen in a job after the answer."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

import kringwerk.jobs.dispatch
from kringwerk.accounts.models import AuthToken
from kringwerk.extensions import db
from kringwerk.jobs.dispatch import dispatch

UNKNOWN = "nobody@example.com"


class Held(list):
    """Committed jobs, held back instead of run, so a request's own work can be seen."""

    def __init__(self) -> None:
        super().__init__()
        self.patch = pytest.MonkeyPatch()
        self.patch.setattr(kringwerk.jobs.dispatch, "dispatch", lambda batch: self.extend(batch) or [])

    def release(self, jobs) -> None:
        """Run ``jobs`` as the queue would, and every job after them too."""
        self.patch.undo()
        dispatch(list(jobs))


@pytest.fixture
def held():
    jobs = Held()
    yield jobs
    jobs.patch.undo()


@pytest.fixture
def statements(app):
    """The SQL a block runs, without its parameters."""
    from contextlib import contextmanager

    @contextmanager
    def recording():
        seen: list[str] = []

        def before(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield seen
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return recording


def request(client, path, email):
    response = client.post(path, data={"email": email})
    assert response.status_code == 200
    return response


@pytest.mark.both_databases
@pytest.mark.parametrize("path", ["/account/magic", "/account/reset"])
def test_a_known_and_an_unknown_address_cost_the_request_the_same_work(
    client, world, held, statements, outbox, path
):
    known = world.a.member.email  # read here: loading it inside would add the test's own query
    with statements() as known_sql:
        request(client, path, known)
    known_jobs = list(held)
    held.clear()
    with statements() as unknown_sql:
        request(client, path, UNKNOWN)
    unknown_jobs = list(held)

    assert known_sql == unknown_sql
    assert [(job.func, job.kwargs, job.tenant_id) for job in known_jobs] == [
        (job.func, job.kwargs, job.tenant_id) for job in unknown_jobs
    ]
    assert [job.args for job in known_jobs] == [[known]]
    assert [job.args for job in unknown_jobs] == [[UNKNOWN]]
    # Nothing was written and nothing sent before the job runs.
    assert db.session.scalar(select(func.count()).select_from(AuthToken)) == 0
    assert outbox.to(world.a.member.email) == []

    # The jobs do the rest: a link for the account, nothing for the unknown address,
    # and nothing for anybody in the other tenant.
    held.release(known_jobs + unknown_jobs)
    assert len(outbox.to(world.a.member.email)) == 1
    assert outbox.to(UNKNOWN) == []
    assert outbox.to(world.b.member.email) == []
    db.session.expire_all()
    tokens = db.session.scalars(select(AuthToken)).all()
    assert [token.user_id for token in tokens] == [world.a.member.id]


def test_an_inactive_account_gets_no_link_but_the_same_request(client, world, held, statements, outbox):
    world.b.member.active = False
    db.session.commit()
    inactive = world.b.member.email
    with statements() as inactive_sql:
        request(client, "/account/magic", inactive)
    with statements() as unknown_sql:
        request(client, "/account/magic", UNKNOWN)
    assert inactive_sql == unknown_sql
    held.release(held)
    assert outbox.to(world.b.member.email) == []
    assert outbox.to(world.a.member.email) == []
