"""Periodic jobs: the plugins' ``periodic_jobs`` hook plus a few core ones.

A plugin's PeriodicJob runs once per tenant that has the plugin enabled, as
``func(tenant_id)`` inside that tenant's scope (the runner checks the plugin
again when the job runs). Core jobs run once for the whole platform.

Two ways to run them:

* ``kringwerk worker`` (with Redis) runs a small scheduler next to the RQ worker.
  Time is cut into slots: ``interval`` jobs get one slot per interval, ``cron``
  jobs (read in Europe/Amsterdam time) one slot per firing. A slot is claimed
  in Redis with SET NX, so several workers never run the same slot twice; a
  slot missed while no worker ran is run once when one starts. A due slot
  enqueues ``fan_out`` on RQ, which enqueues one job per tenant.
* ``kringwerk tick`` (embedded mode, from cron) runs every periodic job once,
  in-process, for every tenant concerned. Schedule it at the shortest interval
  you need; jobs must not mind running more often (they are idempotent anyway,
  since RQ retries).

We do not use ``rq.cron.CronScheduler``: it registers fixed calls (we fan out
over tenants that change), would enqueue once per worker process, and reads
cron in the server's local time.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter
from flask import Flask, current_app
from sqlalchemy import select

from kringwerk.extensions import db, utcnow
from kringwerk.jobs.dispatch import build_pending, enqueue, function_path, push
from kringwerk.jobs.runner import SKIPPED, run_isolated

log = logging.getLogger("kringwerk.jobs")

CLAIM_PREFIX = "kringwerk:periodic"


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    func: Callable
    interval: timedelta | None = None
    cron: str | None = None
    plugin: str | None = None  # None: a core job
    per_tenant: bool = True  # False: once for the platform, called as func()

    def __post_init__(self) -> None:
        if (self.interval is None) == (self.cron is None):
            raise ValueError(f"periodic job {self.name}: give exactly one of interval or cron")
        if self.interval is not None and self.interval.total_seconds() < 1:
            raise ValueError(f"periodic job {self.name}: the interval must be at least a second")
        if self.cron is not None and not croniter.is_valid(self.cron):
            raise ValueError(f"periodic job {self.name}: {self.cron!r} is not a cron expression")


def core_periodic_jobs() -> list[ScheduledJob]:
    from kringwerk.jobs.services import fail_stale_tasks, prune_tasks
    from kringwerk.mail.jobs import prune_sent_mail
    from kringwerk.tokens.jobs import prune_dead_tokens

    return [
        ScheduledJob("jobs.prune_tasks", prune_tasks, cron="15 3 * * *", per_tenant=False),
        ScheduledJob(
            "jobs.fail_stale_tasks", fail_stale_tasks, interval=timedelta(minutes=5), per_tenant=False
        ),
        ScheduledJob("mail.prune_sent_mail", prune_sent_mail, cron="20 3 * * *", per_tenant=False),
        ScheduledJob("tokens.prune_dead_tokens", prune_dead_tokens, cron="25 3 * * *", per_tenant=False),
    ]


def all_periodic_jobs(app: Flask | None = None) -> list[ScheduledJob]:
    """Core jobs, then each plugin's; a faulty or repeated entry is logged and left out."""
    from kringwerk.pluginhost.registry import get_registry

    registry = get_registry(app)
    jobs = {job.name: job for job in core_periodic_jobs()}
    for hookimpl in registry.pm.hook.periodic_jobs.get_hookimpls():
        key = hookimpl.plugin_name
        try:
            declared = hookimpl.function() or []
        except Exception:
            log.exception("plugin %s: periodic_jobs() failed; its jobs are left out", key)
            continue
        for periodic in declared:
            try:
                job = ScheduledJob(periodic.name, periodic.func, periodic.interval, periodic.cron, plugin=key)
                function_path(job.func)
            except (TypeError, ValueError) as error:
                log.error("plugin %s: periodic job left out: %s", key, error)
                continue
            if job.name in jobs:
                log.error("plugin %s: periodic job name %s is taken; left out", key, job.name)
                continue
            jobs[job.name] = job
    return list(jobs.values())


def find_periodic_job(name: str, app: Flask | None = None) -> ScheduledJob | None:
    return next((job for job in all_periodic_jobs(app) if job.name == name), None)


# --- time slots ----------------------------------------------------------------------------


def schedule_timezone(app: Flask | None = None) -> ZoneInfo:
    return ZoneInfo((app or current_app).config["BABEL_DEFAULT_TIMEZONE"])


def periodic_slot(job: ScheduledJob, now: datetime, tz: ZoneInfo) -> tuple[str, datetime]:
    """The slot ``now`` falls in, and when the next one starts."""
    if job.interval is not None:
        seconds = int(job.interval.total_seconds())
        number = int(now.timestamp()) // seconds
        return str(number), datetime.fromtimestamp((number + 1) * seconds, UTC)
    local = now.astimezone(tz)
    fired = croniter(job.cron, local).get_prev(datetime)
    following = croniter(job.cron, local).get_next(datetime)
    return fired.astimezone(UTC).strftime("%Y%m%dT%H%M"), following.astimezone(UTC)


Claim = Callable[[ScheduledJob, str, int], bool]


def due_periodic_jobs(
    now: datetime, jobs: Iterable[ScheduledJob], claim: Claim, tz: ZoneInfo
) -> list[tuple[ScheduledJob, str]]:
    """The jobs whose current slot ``claim`` grants (first come, first served)."""
    due = []
    for job in jobs:
        slot, next_start = periodic_slot(job, now, tz)
        keep_for = int((next_start - now).total_seconds()) + 3600
        if claim(job, slot, keep_for):
            due.append((job, slot))
    return due


def redis_claim(connection) -> Claim:
    def claim(job: ScheduledJob, slot: str, keep_for: int) -> bool:
        return bool(connection.set(f"{CLAIM_PREFIX}:{job.name}:{slot}", os.getpid(), nx=True, ex=keep_for))

    return claim


@dataclass
class MemoryClaim:
    """Claims kept in memory: one scheduler, no Redis (tests, a single process)."""

    taken: set[tuple[str, str]] = field(default_factory=set)

    def __call__(self, job: ScheduledJob, slot: str, keep_for: int) -> bool:
        if (job.name, slot) in self.taken:
            return False
        self.taken.add((job.name, slot))
        return True


def enqueue_due_periodic_jobs(app: Flask, connection, now: datetime | None = None) -> list[str]:
    """One scheduler pass: queue ``fan_out`` for each job whose slot this process claimed."""
    now = now or utcnow()
    with app.app_context():
        due = due_periodic_jobs(now, all_periodic_jobs(app), redis_claim(connection), schedule_timezone(app))
        if not due:
            return []
        pendings = [
            build_pending(
                fan_out,
                [job.name],
                {},
                tenant=None,
                job_id=f"periodic-{_id_part(job.name)}-{slot}",
                description=f"periodic job {job.name}",
                app=app,
            )
            for job, slot in due
        ]
    return push(pendings)


def run_scheduler(app: Flask, every: float = 15.0, parent_pid: int | None = None) -> None:
    """The scheduler loop of ``kringwerk worker`` (runs in its own process)."""
    from kringwerk.jobs.queue import worker_connection

    connection = worker_connection(app)
    log.info("periodic scheduler started (every %ss)", every)
    while parent_pid is None or os.getppid() == parent_pid:
        try:
            enqueue_due_periodic_jobs(app, connection)
        except Exception:
            log.exception("periodic scheduler pass failed; trying again")
        time.sleep(every)
    log.info("periodic scheduler stops: its worker is gone")


# --- running them --------------------------------------------------------------------------


def tenants_for(job: ScheduledJob) -> list[int]:
    """Ids of the tenants a per-tenant job runs for (one query). A suspended tenant
    is left out: it accepts no changes, so no reminder or closing runs for it."""
    from kringwerk.pluginhost.models import TenantPlugin
    from kringwerk.tenancy.context import unscoped
    from kringwerk.tenancy.models import Tenant

    active = Tenant.suspended_at.is_(None)
    if job.plugin is None:
        return list(db.session.scalars(select(Tenant.id).where(active).order_by(Tenant.id)))
    with unscoped(f"periodic job {job.name}: active tenants with plugin {job.plugin} enabled"):
        return list(
            db.session.scalars(
                select(TenantPlugin.tenant_id)
                .join(Tenant, Tenant.id == TenantPlugin.tenant_id)
                .where(TenantPlugin.key == job.plugin, TenantPlugin.enabled, active)
                .order_by(TenantPlugin.tenant_id)
            )
        )


def fan_out(name: str) -> int:
    """A platform job: enqueue periodic job ``name`` once per tenant concerned."""
    job = find_periodic_job(name)
    if job is None:
        log.warning("periodic job %s no longer exists; nothing to do", name)
        return 0
    if not job.per_tenant:
        job.func()
        return 1
    tenant_ids = tenants_for(job)
    for tenant_id in tenant_ids:
        enqueue(job.func, tenant_id, tenant=tenant_id, plugin=job.plugin, description=f"periodic {name}")
    return len(tenant_ids)


@dataclass
class TickReport:
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def tick(app: Flask, names: Iterable[str] = ()) -> TickReport:
    """Run every periodic job (or those named) once, in-process, for each tenant concerned."""
    names = set(names)
    report = TickReport()
    with app.app_context():
        jobs = [job for job in all_periodic_jobs(app) if not names or job.name in names]
        unknown = names - {job.name for job in jobs}
        if unknown:
            raise LookupError(f"no periodic job called {', '.join(sorted(unknown))}")
        runs = [(job, tenants_for(job) if job.per_tenant else [None]) for job in jobs]
        db.session.rollback()  # release the read before the jobs write (SQLite locks the file)
    for job, tenant_ids in runs:
        for tenant_id in tenant_ids:
            label = job.name if tenant_id is None else f"{job.name}@t{tenant_id}"
            args = [] if tenant_id is None else [tenant_id]
            try:
                result = run_isolated(
                    app, function_path(job.func), args, {}, tenant_id=tenant_id, plugin=job.plugin
                )
            except Exception:
                log.exception("periodic job %s failed", label)
                report.failed.append(label)
                continue
            (report.skipped if result == SKIPPED else report.ran).append(label)
    return report


def _id_part(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)[:60]
