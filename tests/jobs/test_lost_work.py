"""Work is never lost silently: a job that cannot be queued (Redis down) fails its
task and is reported to the request that committed it; a task left waiting or
running past its timeout (its process died) is marked failed by a periodic job."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kringwerk.extensions import db, utcnow
from kringwerk.jobs import queue_reachable, start_task, unsent_jobs
from kringwerk.jobs.models import BackgroundTask, TaskFailure, TaskStatus
from kringwerk.jobs.periodic import core_periodic_jobs, tick
from kringwerk.jobs.services import TASK_STALE_AFTER, create_task, fail_stale_tasks
from kringwerk.mail import send_mail
from kringwerk.tenancy.context import tenant_scope
from tests.conftest import base_config
from tests.jobs import sample_jobs
from tests.support.services import free_port


@pytest.fixture
def app_config(request, tmp_path, database_url) -> dict:
    config = base_config(tmp_path, database_url)
    if "redis_down" in request.fixturenames:
        # REDIS_URL set, but nothing listens there: Redis is down.
        config.update(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", JOBS_IN_PROCESS=False)
    return config


@pytest.fixture
def redis_down():
    return True


def task_of(side, task_id: int) -> BackgroundTask | None:
    db.session.expire_all()
    with tenant_scope(side.tenant):
        return db.session.get(BackgroundTask, task_id)


# --- Redis down ----------------------------------------------------------------------------


def test_a_task_whose_job_cannot_be_queued_fails_and_the_request_learns_it(world, redis_down):
    assert not queue_reachable()
    b_task = create_task_in(world.b)
    with tenant_scope(world.a.tenant):
        task = start_task("test.count", sample_jobs.count_in_steps, 3, actor=world.a.admin, total=3)
        task_id = task.id
        db.session.commit()
    [job_id] = unsent_jobs()
    assert job_id.startswith(f"t{world.a.tenant.id}-count_in_steps-")
    task = task_of(world.a, task_id)
    assert task.status == TaskStatus.FAILED and task.failure == TaskFailure.ERROR
    assert "could not be started" in task.message
    assert task.finished_at is not None
    # Tenant B's waiting task is not touched, and A's task is out of B's reach.
    assert task_of(world.b, b_task).status == TaskStatus.QUEUED
    assert task_of(world.b, task_id) is None


def test_a_mail_that_cannot_be_queued_is_reported(world, redis_down):
    with tenant_scope(world.a.tenant):
        send_mail("anna@example.test", "Hello", "accounts/magic_link", locale="en", context={"link": "x"})
        db.session.commit()
    assert len(unsent_jobs()) == 1
    db.session.commit()  # a later commit with nothing pending keeps the report
    assert len(unsent_jobs()) == 1


def test_with_redis_or_in_process_nothing_is_unsent(world, app):
    assert queue_reachable()  # in-process: no queue to reach
    with tenant_scope(world.a.tenant):
        task_id = start_task("test.count", sample_jobs.count_in_steps, 1, actor=world.a.admin).id
        db.session.commit()
    assert unsent_jobs() == []
    assert task_of(world.a, task_id).status == TaskStatus.DONE


# --- stale tasks ---------------------------------------------------------------------------


def create_task_in(side, age: timedelta = timedelta(0), **values) -> int:
    with tenant_scope(side.tenant):
        task = create_task("test.work", actor=side.admin)
        task.created_at = utcnow() - age
        for name, value in values.items():
            setattr(task, name, value)
        db.session.commit()
        return task.id


@pytest.mark.both_databases
def test_tasks_waiting_or_running_past_the_timeout_fail_in_every_tenant(world, app):
    old = TASK_STALE_AFTER + timedelta(minutes=1)
    a_waiting = create_task_in(world.a, old)
    a_running = create_task_in(
        world.a, timedelta(hours=3), status=TaskStatus.RUNNING, started_at=utcnow() - old
    )
    a_fresh_run = create_task_in(world.a, timedelta(hours=3), status=TaskStatus.RUNNING, started_at=utcnow())
    a_young = create_task_in(world.a, timedelta(minutes=5))
    a_done = create_task_in(world.a, timedelta(days=1), status=TaskStatus.DONE, finished_at=utcnow())
    b_waiting = create_task_in(world.b, old)

    assert fail_stale_tasks() == 3
    db.session.commit()
    for side, task_id in ((world.a, a_waiting), (world.a, a_running), (world.b, b_waiting)):
        task = task_of(side, task_id)
        assert task.status == TaskStatus.FAILED and task.failure == TaskFailure.ERROR
        assert "stopped without finishing" in task.message and task.finished_at is not None
    assert task_of(world.a, a_fresh_run).status == TaskStatus.RUNNING
    assert task_of(world.a, a_young).status == TaskStatus.QUEUED
    assert task_of(world.a, a_done).status == TaskStatus.DONE
    assert task_of(world.b, a_waiting) is None  # still each tenant's own


def test_the_timeout_is_configurable_per_kind(world, app):
    app.config["TASK_STALE_AFTER"] = {"default": timedelta(hours=2), "test.work": timedelta(minutes=10)}
    short = create_task_in(world.a, timedelta(minutes=11))
    with tenant_scope(world.a.tenant):
        other = create_task("test.other", actor=world.a.admin)
        other.created_at = utcnow() - timedelta(minutes=90)
        other_id = other.id
        db.session.commit()
    assert fail_stale_tasks() == 1
    db.session.commit()
    assert task_of(world.a, short).status == TaskStatus.FAILED
    assert task_of(world.a, other_id).status == TaskStatus.QUEUED


def test_the_stale_check_is_a_core_periodic_job_run_by_tick(world, app):
    assert "jobs.fail_stale_tasks" in {job.name for job in core_periodic_jobs()}
    a_waiting = create_task_in(world.a, TASK_STALE_AFTER * 2)
    b_young = create_task_in(world.b)
    report = tick(app, ["jobs.fail_stale_tasks"])
    assert report.ran == ["jobs.fail_stale_tasks"] and report.failed == []
    assert task_of(world.a, a_waiting).status == TaskStatus.FAILED
    assert task_of(world.b, b_young).status == TaskStatus.QUEUED


def test_a_task_failed_as_stale_comes_back_when_its_job_runs_after_all(world, app):
    from kringwerk.jobs.runner import run_isolated

    late = create_task_in(world.a, TASK_STALE_AFTER * 2)
    b_task = create_task_in(world.b, TASK_STALE_AFTER * 2)
    assert fail_stale_tasks() == 2
    db.session.commit()
    # The queue was only slow: the job runs now and its task reports the outcome.
    run_isolated(
        app,
        "tests.jobs.sample_jobs:count_in_steps",
        [2],
        {"task_id": late},
        tenant_id=world.a.tenant.id,
        task_id=late,
    )
    task = task_of(world.a, late)
    assert task.status == TaskStatus.DONE and task.failure is None
    assert task.message == "Counted to 2." and "stale" not in task.result
    assert task_of(world.b, b_task).status == TaskStatus.FAILED  # B's task stays as it was
    assert task_of(world.b, late) is None
