"""Jobs RQ gives up on: time limits per job, growing waits between retries, the
task failed once every attempt failed or the worker died, and the operator's page
of failed jobs (RQ's FailedJobRegistry) with a retry button."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rq.exceptions import AbandonedJobError
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.jobs import enqueue, start_task
from kringwerk.jobs.failed import FailedJobError, failed_jobs, retry_failed_job
from kringwerk.jobs.models import BackgroundTask, TaskFailure, TaskStatus
from kringwerk.jobs.queue import SERIALIZER, job_timeout, retry_intervals
from kringwerk.jobs.runner import job_failed, work_horse_killed
from kringwerk.jobs.services import create_task
from kringwerk.tenancy.context import tenant_scope
from tests.jobs import sample_jobs


@pytest.fixture(autouse=True)
def mail_server_up():
    sample_jobs.broken["flaky"] = True
    yield
    sample_jobs.broken["flaky"] = True


def fetch(queue, job_id: str) -> Job:
    return Job.fetch(job_id, connection=queue.connection, serializer=SERIALIZER)


def task_of(side, task_id: int) -> BackgroundTask | None:
    db.session.expire_all()
    with tenant_scope(side.tenant):
        return db.session.get(BackgroundTask, task_id)


def fail_for_good(app, side, kind: str = "test.flaky") -> tuple[int, str]:
    """A task whose job fails on its one attempt (no retries configured)."""
    app.config["JOB_RETRY_INTERVALS"] = []
    with tenant_scope(side.tenant):
        task = start_task(kind, sample_jobs.flaky, actor=side.admin)
        task_id = task.id
        db.session.commit()
    return task_id


# --- time limits and back-off ----------------------------------------------------------------


def test_the_time_limit_is_set_per_job_with_a_default(world, app, queue):
    assert job_timeout("tests.jobs.sample_jobs:note") == 15 * 60  # the default
    app.config["JOB_TIMEOUT"] = {"tests.jobs.sample_jobs:note": 30, "default": 120}
    short = enqueue(sample_jobs.note, tenant=world.a.tenant)
    other = enqueue(sample_jobs.add_company, "X", tenant=world.b.tenant)
    db.session.commit()
    assert fetch(queue, short).timeout == 30
    assert fetch(queue, other).timeout == 120


def test_retries_wait_longer_each_time_and_are_configurable(world, app, queue):
    assert retry_intervals() == [10, 60, 300]
    app.config["JOB_RETRY_INTERVALS"] = [5, 50]
    job_id = enqueue(sample_jobs.note, tenant=world.a.tenant)
    db.session.commit()
    job = fetch(queue, job_id)
    assert job.retries_left == 2 and job.retry_intervals == [5, 50]


def test_a_job_past_its_time_limit_fails_and_so_does_its_task(world, app, queue, work):
    app.config.update(JOB_TIMEOUT={"tests.jobs.sample_jobs:slow": 1}, JOB_RETRY_INTERVALS=[])
    with tenant_scope(world.a.tenant):
        task_id = start_task("test.slow", sample_jobs.slow, 5, actor=world.a.admin).id
        db.session.commit()
    work()
    [job_id] = FailedJobRegistry(queue=queue).get_job_ids()
    assert "JobTimeoutException" in fetch(queue, job_id).latest_result().exc_string
    task = task_of(world.a, task_id)
    assert task.status == TaskStatus.FAILED and task.failure == TaskFailure.ERROR
    assert task_of(world.b, task_id) is None


@pytest.mark.both_databases
def test_a_job_that_used_every_retry_fails_its_task(world, app, queue, work):
    task_id = fail_for_good(app, world.a)
    with tenant_scope(world.b.tenant):
        b_task = start_task("test.note", sample_jobs.note, actor=world.b.admin).id
        db.session.commit()
    work()
    assert task_of(world.a, task_id).status == TaskStatus.FAILED  # nothing counted as done
    assert task_of(world.b, b_task).status == TaskStatus.DONE


# --- a worker that died -------------------------------------------------------------------------


def lost_job(task_id: int, tenant_id: int, retries_left: int):
    return SimpleNamespace(
        id="t-lost", kwargs={"task_id": task_id, "tenant_id": tenant_id}, retries_left=retries_left
    )


@pytest.mark.both_databases
def test_an_abandoned_job_sets_its_task_waiting_or_failed(world, app):
    with tenant_scope(world.a.tenant):
        task = create_task("test.note", actor=world.a.admin)
        task.status = TaskStatus.RUNNING
        task_id = task.id
        db.session.commit()
    # RQ's cleanup of its StartedJobRegistry calls the failure callback: retries are left.
    job_failed(lost_job(task_id, world.a.tenant.id, 2), None, AbandonedJobError, AbandonedJobError(), None)
    assert task_of(world.a, task_id).status == TaskStatus.QUEUED
    # The work horse killed on the last attempt: failed, never "running" for ever.
    work_horse_killed(lost_job(task_id, world.a.tenant.id, 0), 123, 9, None)
    assert task_of(world.a, task_id).status == TaskStatus.FAILED
    # A job of tenant B naming A's task cannot touch it.
    with tenant_scope(world.a.tenant):
        db.session.get(BackgroundTask, task_id).status = TaskStatus.RUNNING
        db.session.commit()
    work_horse_killed(lost_job(task_id, world.b.tenant.id, 0), 123, 9, None)
    assert task_of(world.a, task_id).status == TaskStatus.RUNNING
    # An error the job raised was recorded by the runner already: the callback leaves it.
    job_failed(lost_job(task_id, world.a.tenant.id, 0), None, RuntimeError, RuntimeError(), None)
    assert task_of(world.a, task_id).status == TaskStatus.RUNNING


# --- the operator's page ----------------------------------------------------------------------


@pytest.mark.both_databases
def test_the_operator_sees_failed_jobs_of_every_tenant_with_their_error(world, app, queue, work, login_as):
    fail_for_good(app, world.a, "test.flaky_a")
    fail_for_good(app, world.b, "test.flaky_b")
    work()
    page = failed_jobs()
    assert page.total == 2
    assert {job.tenant_name for job in page.items} == {world.a.tenant.name, world.b.tenant.name}
    assert {job.name for job in page.items} == {"tests.jobs.sample_jobs.flaky"}
    assert all(job.error == "RuntimeError: the mail server is down" for job in page.items)
    assert all(job.failed_at is not None for job in page.items)

    html = login_as(world.operator).get("/operator/jobs").get_data(as_text=True)
    assert world.a.tenant.name in html and world.b.tenant.name in html
    assert "RuntimeError: the mail server is down" in html
    assert html.count("/retry") == 2
    assert 'href="/operator/jobs"' in login_as(world.operator).get("/operator/").get_data(as_text=True)


def test_only_operators_reach_the_failed_jobs(world, app, queue, work, client, login_as):
    fail_for_good(app, world.a)
    work()
    [job_id] = FailedJobRegistry(queue=queue).get_job_ids()
    assert client.get("/operator/jobs").status_code == 404
    for user in (world.a.admin, world.b.admin, world.outsider):
        signed_in = login_as(user)
        assert signed_in.get("/operator/jobs").status_code == 404
        assert signed_in.get(f"/operator/jobs/{job_id}/retry").status_code == 404
        assert signed_in.post(f"/operator/jobs/{job_id}/retry").status_code == 404
    assert FailedJobRegistry(queue=queue).get_job_ids() == [job_id]  # nobody requeued it


def test_the_page_is_paginated_and_says_when_nothing_failed(world, app, queue, work, login_as):
    operator = login_as(world.operator)
    assert "No job failed." in operator.get("/operator/jobs").get_data(as_text=True)
    app.config["PAGE_SIZE"] = 2
    for side in (world.a, world.b, world.a):
        fail_for_good(app, side)
    work()
    first = operator.get("/operator/jobs").get_data(as_text=True)
    second = operator.get("/operator/jobs?page=2").get_data(as_text=True)
    assert first.count("/retry") == 2 and second.count("/retry") == 1
    assert "Page 1 of 2" in first


def test_without_redis_the_page_says_where_failures_go(world, app, login_as):
    assert app.config["JOBS_IN_PROCESS"]
    html = login_as(world.operator).get("/operator/jobs").get_data(as_text=True)
    assert "no Redis is configured" in html
    assert login_as(world.operator).get("/operator/jobs/t1-x/retry").status_code == 404


@pytest.mark.both_databases
def test_retry_asks_first_then_queues_the_job_and_records_it(world, app, queue, work, login_as):
    task_id = fail_for_good(app, world.a)
    work()
    [job_id] = FailedJobRegistry(queue=queue).get_job_ids()
    operator = login_as(world.operator)

    confirm = operator.get(f"/operator/jobs/{job_id}/retry")
    assert confirm.status_code == 200
    assert "Retry tests.jobs.sample_jobs.flaky?" in confirm.get_data(as_text=True)
    assert "is not sent a second time" in confirm.get_data(as_text=True)
    assert FailedJobRegistry(queue=queue).get_job_ids() == [job_id]  # the GET changed nothing
    assert task_of(world.a, task_id).status == TaskStatus.FAILED

    sample_jobs.broken["flaky"] = False  # the mail server is back
    del app.config["JOB_RETRY_INTERVALS"]  # back to the default 10 s, 1 min, 5 min
    response = operator.post(f"/operator/jobs/{job_id}/retry")
    assert response.status_code == 302 and response.headers["Location"].endswith("/operator/jobs")
    assert FailedJobRegistry(queue=queue).get_job_ids() == []
    assert queue.job_ids == [job_id]
    assert fetch(queue, job_id).retries_left == 3  # a fresh set of retries
    assert task_of(world.a, task_id).status == TaskStatus.QUEUED

    with tenant_scope(world.a.tenant):
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "job.retried")).all()
        assert entry.actor_id == world.operator.id and entry.details["job_id"] == job_id
    with tenant_scope(world.b.tenant):
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "job.retried")).all() == []

    work()
    assert fetch(queue, job_id).get_status() == JobStatus.FINISHED
    assert task_of(world.a, task_id).status == TaskStatus.DONE
    assert sample_jobs.seen == [("flaky", world.a.tenant.id)]

    # Retried already: a second POST (another tab) queues nothing and says so.
    again = operator.post(f"/operator/jobs/{job_id}/retry", follow_redirects=True)
    assert "no longer among the failed jobs" in again.get_data(as_text=True)
    assert queue.job_ids == []


def test_retrying_a_job_that_is_not_failed_is_refused(world, app, queue):
    job_id = enqueue(sample_jobs.note, tenant=world.a.tenant)
    db.session.commit()
    with pytest.raises(FailedJobError):
        retry_failed_job(job_id, actor=world.operator)
    assert queue.job_ids == [job_id]
