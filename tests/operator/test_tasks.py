"""The operator's tasks page: failed background tasks of every tenant, and those
still waiting or running long after they started (work that may be lost)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kringwerk.extensions import db, utcnow
from kringwerk.jobs.models import TaskStatus
from kringwerk.jobs.services import create_task
from kringwerk.tenancy import tenant_scope


def make_task(side, kind: str, *, age: timedelta, **values) -> int:
    with tenant_scope(side.tenant):
        task = create_task(kind, actor=side.admin)
        task.created_at = utcnow() - age
        for name, value in values.items():
            setattr(task, name, value)
        db.session.commit()
        return task.id


@pytest.mark.both_databases  # row-level security: the page reads every tenant's tasks
def test_the_page_lists_failed_and_stuck_tasks_of_every_tenant(world, operator_client):
    make_task(
        world.a, "polls.invitations", age=timedelta(hours=1), status=TaskStatus.FAILED,
        finished_at=utcnow(), message="6 invitations could not be sent",
    )  # fmt: skip
    make_task(world.b, "polls.export", age=timedelta(hours=2))  # waiting for two hours
    make_task(world.a, "test.fresh", age=timedelta(minutes=1))  # just queued: fine
    make_task(world.b, "test.done", age=timedelta(hours=1), status=TaskStatus.DONE, finished_at=utcnow())
    make_task(
        world.a, "test.old_failure", age=timedelta(days=40), status=TaskStatus.FAILED,
        finished_at=utcnow() - timedelta(days=40),
    )  # fmt: skip

    response = operator_client.get("/operator/tasks")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "polls.invitations" in page and "6 invitations could not be sent" in page
    assert "polls.export" in page
    assert world.a.tenant.name in page and world.b.tenant.name in page
    for hidden in ("test.fresh", "test.done", "test.old_failure"):
        assert hidden not in page
    assert 'href="/operator/tasks"' in operator_client.get("/operator/").get_data(as_text=True)


def test_only_operators_see_the_page(world, client, login_as):
    make_task(world.a, "polls.export", age=timedelta(hours=2))
    assert client.get("/operator/tasks").status_code == 404
    for user in (world.a.admin, world.b.admin, world.outsider):
        assert login_as(user).get("/operator/tasks").status_code == 404


def test_the_page_says_when_nothing_failed(world, operator_client):
    make_task(world.b, "test.fresh", age=timedelta(minutes=1))
    page = operator_client.get("/operator/tasks").get_data(as_text=True)
    assert "No background work failed or got stuck" in page and "test.fresh" not in page
