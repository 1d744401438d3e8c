"""Jobs on a real Redis, run by an RQ burst worker in this process."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.jobs import SKIPPED, enqueue
from kringwerk.jobs.queue import SERIALIZER, redis_connection
from kringwerk.members.models import Company
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy.context import tenant_scope
from tests.jobs import sample_jobs
from tests.jobs.sample_jobs import seen
from tests.support.dummy_plugin import hooks as dummy_hooks


def fetch(queue, job_id: str) -> Job:
    return Job.fetch(job_id, connection=queue.connection, serializer=SERIALIZER)


def test_app_with_redis_queues_instead_of_running(app, queue):
    assert app.config["JOBS_IN_PROCESS"] is False
    assert queue.name == "kringwerk"


def test_job_reaches_redis_only_after_commit(world, queue, work):
    job_id = enqueue(sample_jobs.add_company, "Queued BV", tenant=world.a.tenant)
    assert queue.count == 0
    db.session.commit()
    assert queue.job_ids == [job_id]
    assert job_id.startswith(f"t{world.a.tenant.id}-add_company-")

    job = fetch(queue, job_id)
    assert job.func_name == "kringwerk.jobs.runner.run_job"
    assert job.kwargs["func"] == "tests.jobs.sample_jobs:add_company"
    assert job.kwargs["tenant_id"] == world.a.tenant.id
    assert job.meta == {"tenant_id": world.a.tenant.id, "plugin": None}
    assert job.timeout == 15 * 60
    assert job.failure_ttl == 14 * 24 * 3600  # failed payloads do not linger for RQ's default year

    assert work()
    assert fetch(queue, job_id).get_status() == JobStatus.FINISHED
    with tenant_scope(world.a.tenant):
        assert db.session.scalars(select(Company.name)).all() == ["Queued BV"]
    with tenant_scope(world.b.tenant):
        assert db.session.scalars(select(Company.name)).all() == []


def test_rolled_back_job_never_reaches_redis(world, queue):
    enqueue(sample_jobs.note, tenant=world.a.tenant)
    db.session.rollback()
    db.session.commit()
    assert queue.count == 0


@pytest.mark.both_databases
def test_worker_runs_each_job_in_its_tenants_scope(world, queue, work):
    with tenant_scope(world.a.tenant):
        db.session.add(Company(name="Alpha BV"))
        db.session.flush()
    with tenant_scope(world.b.tenant):
        db.session.add(Company(name="Bravo BV"))
        db.session.flush()
    enqueue(sample_jobs.company_names, "a", tenant=world.a.tenant)
    enqueue(sample_jobs.company_names, "b", tenant=world.b.tenant)
    db.session.commit()
    work()
    assert sorted(seen) == sorted(
        [("a", world.a.tenant.id, ["Alpha BV"]), ("b", world.b.tenant.id, ["Bravo BV"])]
    )


def test_jobs_are_retried_with_back_off(world, queue, work):
    job_id = enqueue(sample_jobs.fail, tenant=world.a.tenant)
    db.session.commit()
    job = fetch(queue, job_id)
    assert job.retries_left == 3
    assert job.retry_intervals == [10, 60, 300]

    work()
    job = fetch(queue, job_id)
    assert seen == [("fail", world.a.tenant.id)]
    assert job.get_status() == JobStatus.SCHEDULED  # waiting 10 s for the second attempt
    assert job.retries_left == 2
    assert job_id in ScheduledJobRegistry(queue=queue).get_job_ids()


def test_failed_job_rolls_back_its_writes(world, queue, work, caplog):
    job_id = enqueue(sample_jobs.add_company_then_fail, "Half BV", tenant=world.a.tenant)
    db.session.commit()
    with caplog.at_level(logging.ERROR, logger="rq.worker"):
        work()
    assert "the job broke halfway" in caplog.text
    assert fetch(queue, job_id).get_status() == JobStatus.SCHEDULED
    with tenant_scope(world.a.tenant):
        assert db.session.scalars(select(Company.name)).all() == []


def test_disabled_plugins_job_is_skipped_by_the_worker(world, queue, work):
    enable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    job_a = enqueue(dummy_hooks.count_notes, world.a.tenant.id, tenant=world.a.tenant, plugin="dummy")
    job_b = enqueue(dummy_hooks.count_notes, world.b.tenant.id, tenant=world.b.tenant, plugin="dummy")
    db.session.commit()
    assert fetch(queue, job_b).meta["plugin"] == "dummy"
    work()
    assert dummy_hooks.calls == [("periodic", world.a.tenant.id)]
    assert fetch(queue, job_a).return_value() == 0
    assert fetch(queue, job_b).return_value() == SKIPPED


def test_plugin_disabled_after_enqueue_stops_the_job(world, queue, work):
    from kringwerk.pluginhost.services import disable_plugin

    enable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    job_id = enqueue(dummy_hooks.count_notes, world.a.tenant.id, tenant=world.a.tenant, plugin="dummy")
    db.session.commit()
    disable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    work()
    assert dummy_hooks.calls == []
    assert fetch(queue, job_id).return_value() == SKIPPED


def test_a_given_job_id_still_waiting_is_not_queued_twice(world, queue, work):
    first = enqueue(sample_jobs.note, 1, tenant=world.a.tenant, job_id="close-poll-9")
    db.session.commit()
    second = enqueue(sample_jobs.note, 2, tenant=world.a.tenant, job_id="close-poll-9")
    db.session.commit()
    assert first == second == f"t{world.a.tenant.id}-close-poll-9"
    assert queue.count == 1
    work()
    assert [entry[2] for entry in seen] == [(1,)]
    # Once it has run, the same id may be queued again.
    enqueue(sample_jobs.note, 3, tenant=world.a.tenant, job_id="close-poll-9")
    db.session.commit()
    work()
    assert [entry[2] for entry in seen] == [(1,), (3,)]


def test_same_id_for_two_tenants_are_two_jobs(world, queue):
    enqueue(sample_jobs.note, tenant=world.a.tenant, job_id="digest")
    enqueue(sample_jobs.note, tenant=world.b.tenant, job_id="digest")
    db.session.commit()
    assert sorted(queue.job_ids) == sorted([f"t{world.a.tenant.id}-digest", f"t{world.b.tenant.id}-digest"])


def test_redis_down_is_logged_and_the_commit_stands(world, app, queue, caplog):
    from tests.support.services import free_port

    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    app.extensions.pop("kringwerk.jobs.redis", None)
    with tenant_scope(world.a.tenant):
        db.session.add(Company(name="Kept BV"))
        job_id = enqueue(sample_jobs.note)
        with caplog.at_level(logging.ERROR, logger="kringwerk.jobs"):
            db.session.commit()
        assert db.session.scalars(select(Company.name)).all() == ["Kept BV"]
    assert job_id in caplog.text and "NOT sent" in caplog.text


def test_worker_command_processes_the_queue(world, app, queue):
    enqueue(sample_jobs.add_company, "By Worker BV", tenant=world.b.tenant)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["worker", "--burst", "--no-fork"])
    assert result.exit_code == 0, result.output
    assert queue.count == 0
    with tenant_scope(world.b.tenant):
        assert db.session.scalars(select(Company.name)).all() == ["By Worker BV"]


def test_worker_command_needs_redis(app):
    app.config["REDIS_URL"] = None
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output


def test_scheduler_fans_periodic_jobs_out_to_tenants_with_the_plugin(world, app, queue, work):
    from kringwerk.jobs.periodic import enqueue_due_periodic_jobs

    enable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    connection = redis_connection(app)
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    queued = enqueue_due_periodic_jobs(app, connection, now)
    assert any(job_id.startswith("platform-periodic-dummy_count_notes-") for job_id in queued)
    assert enqueue_due_periodic_jobs(app, connection, now) == []  # this slot is taken

    work()  # fan_out runs and queues one job per tenant with the plugin, which run too
    work()
    assert dummy_hooks.calls == [("periodic", world.a.tenant.id)]

    later = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)
    queued = enqueue_due_periodic_jobs(app, connection, later)
    assert [job_id for job_id in queued if "dummy" in job_id] == [
        f"platform-periodic-dummy_count_notes-{int(later.timestamp()) // 300}"
    ]
