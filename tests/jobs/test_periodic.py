"""Periodic jobs: where they come from, their time slots, and `kringwerk tick`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from kringwerk.extensions import db, utcnow
from kringwerk.jobs.models import BackgroundTask, TaskStatus
from kringwerk.jobs.periodic import (
    MemoryClaim,
    ScheduledJob,
    all_periodic_jobs,
    due_periodic_jobs,
    periodic_slot,
    tick,
)
from kringwerk.pluginhost.services import disable_plugin, enable_plugin
from kringwerk.tenancy.context import tenant_scope, unscoped
from tests.jobs import sample_jobs
from tests.support.dummy_plugin import hooks as dummy_hooks

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_periodic_jobs_come_from_plugins_with_their_key_and_from_the_core(app):
    jobs = {job.name: job for job in all_periodic_jobs(app)}
    dummy = jobs["dummy.count_notes"]
    assert dummy.plugin == "dummy"
    assert dummy.func is dummy_hooks.count_notes
    assert dummy.interval == timedelta(minutes=5) and dummy.per_tenant
    assert jobs["jobs.prune_tasks"].plugin is None and not jobs["jobs.prune_tasks"].per_tenant
    assert "mail.prune_sent_mail" in jobs


def test_a_scheduled_job_needs_a_valid_schedule():
    with pytest.raises(ValueError):
        ScheduledJob("both", sample_jobs.note, interval=timedelta(minutes=1), cron="* * * * *")
    with pytest.raises(ValueError):
        ScheduledJob("neither", sample_jobs.note)
    with pytest.raises(ValueError):
        ScheduledJob("bad cron", sample_jobs.note, cron="every day")


def test_interval_job_is_due_once_per_interval():
    job = ScheduledJob("every5", sample_jobs.note, interval=timedelta(minutes=5))
    claim = MemoryClaim()
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert due_periodic_jobs(start, [job], claim, AMSTERDAM) == [(job, str(int(start.timestamp()) // 300))]
    assert due_periodic_jobs(start + timedelta(minutes=4, seconds=59), [job], claim, AMSTERDAM) == []
    assert [j for j, _ in due_periodic_jobs(start + timedelta(minutes=5), [job], claim, AMSTERDAM)] == [job]


def test_cron_job_is_due_once_per_firing_in_amsterdam_time():
    job = ScheduledJob("nightly", sample_jobs.note, cron="30 3 * * *")
    # 02:00 UTC on 2 March is 03:00 in Amsterdam (CET): before the 03:30 firing.
    before = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    slot, next_start = periodic_slot(job, before, AMSTERDAM)
    assert slot == "20260301T0230"  # yesterday's firing, in UTC
    assert next_start == datetime(2026, 3, 2, 2, 30, tzinfo=UTC)

    claim = MemoryClaim()
    assert due_periodic_jobs(before, [job], claim, AMSTERDAM)  # a missed firing runs once
    assert due_periodic_jobs(before + timedelta(minutes=20), [job], claim, AMSTERDAM) == []
    after = datetime(2026, 3, 2, 2, 31, tzinfo=UTC)
    assert due_periodic_jobs(after, [job], claim, AMSTERDAM) == [(job, "20260302T0230")]
    # In summer time the same 03:30 is 01:30 UTC.
    assert periodic_slot(job, datetime(2026, 7, 1, 2, 0, tzinfo=UTC), AMSTERDAM)[0] == "20260701T0130"


def test_tick_runs_periodic_jobs_only_for_tenants_with_the_plugin(world, app):
    enable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert dummy_hooks.calls == [("periodic", world.a.tenant.id)]
    assert "failed 0" in result.output

    dummy_hooks.calls.clear()
    enable_plugin(world.b.tenant, "dummy")
    disable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    report = tick(app, ["dummy.count_notes"])
    assert report.ran == [f"dummy.count_notes@t{world.b.tenant.id}"]
    assert dummy_hooks.calls == [("periodic", world.b.tenant.id)]


def test_tick_with_no_tenant_having_the_plugin_runs_only_core_jobs(world, app):
    report = tick(app)
    assert dummy_hooks.calls == []
    assert sorted(report.ran) == [
        "jobs.fail_stale_tasks",
        "jobs.prune_tasks",
        "mail.prune_sent_mail",
        "tokens.prune_dead_tokens",
    ]


def test_tick_refuses_an_unknown_job(app):
    result = app.test_cli_runner().invoke(args=["tick", "--job", "nope"])
    assert result.exit_code != 0
    assert "no periodic job called nope" in result.output


def test_tick_reports_a_failing_job_and_carries_on(world, app, monkeypatch):
    enable_plugin(world.a.tenant, "dummy")
    enable_plugin(world.b.tenant, "dummy")
    db.session.commit()
    original = dummy_hooks.count_notes

    def flaky(tenant_id):
        if tenant_id == world.a.tenant.id:
            raise RuntimeError("boom")
        return original(tenant_id)

    flaky.__module__ = dummy_hooks.__name__
    flaky.__name__ = flaky.__qualname__ = "count_notes"
    monkeypatch.setattr(dummy_hooks, "count_notes", flaky)
    result = app.test_cli_runner().invoke(args=["tick", "--job", "dummy.count_notes"])
    assert result.exit_code == 1
    assert f"failed: dummy.count_notes@t{world.a.tenant.id}" in result.output
    assert dummy_hooks.calls == [("periodic", world.b.tenant.id)]


def test_prune_tasks_forgets_old_finished_tasks_of_every_tenant(world, app):
    old = utcnow() - timedelta(days=31)
    for side in (world.a, world.b):
        with tenant_scope(side.tenant):
            db.session.add_all(
                [
                    BackgroundTask(kind="old", status=TaskStatus.DONE, finished_at=old),
                    BackgroundTask(kind="recent", status=TaskStatus.DONE, finished_at=utcnow()),
                    BackgroundTask(kind="running", status=TaskStatus.RUNNING),
                ]
            )
            db.session.flush()
    db.session.commit()
    assert tick(app, ["jobs.prune_tasks"]).ran == ["jobs.prune_tasks"]
    with unscoped("test: count tasks of every tenant"):
        kinds = db.session.execute(
            select(BackgroundTask.kind, func.count())
            .group_by(BackgroundTask.kind)
            .order_by(BackgroundTask.kind)
        ).all()
    assert [tuple(row) for row in kinds] == [("recent", 2), ("running", 2)]
