"""Jobs RQ gave up on, for the operator: read from RQ's own FailedJobRegistry
(every retry used, a timeout, or abandoned by a worker that died), and retried
on request.

A retry puts the job back on the queue with its full retry policy, sets its task
(if any) waiting again, and records ``job.retried`` in the job's tenant. A job's
work is idempotent (RQ retries it anyway), so a retry never doubles a mail: the
delivery record of a mail that went out, or may have, stays (``mail.services``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.web.pagination import Page

log = logging.getLogger("kringwerk.jobs")


class FailedJobError(LookupError):
    """The job is not (or no longer) among the failed jobs: retried already, or expired."""


@dataclass(frozen=True)
class FailedJob:
    id: str
    func: str  # "module:function", the job's name
    tenant_id: int | None
    tenant_name: str | None
    plugin: str | None
    task_id: int | None
    failed_at: datetime | None
    error: str  # the last line: the exception and its message
    details: str  # the whole traceback RQ kept

    @property
    def name(self) -> str:
        return self.func.replace(":", ".")


def _registry(app=None):
    from rq.registry import FailedJobRegistry

    from kringwerk.jobs.queue import get_queue

    return FailedJobRegistry(queue=get_queue(app))


def failed_jobs(number: int = 1, per_page: int | None = None) -> Page:
    """A page of failed jobs of every tenant, the latest failure first."""
    from rq.job import Job

    from kringwerk.jobs.queue import SERIALIZER

    per_page = per_page or current_app.config["PAGE_SIZE"]
    registry = _registry()
    total = registry.count
    number = max(1, min(number, max(1, -(-total // per_page))))
    start = (number - 1) * per_page
    ids = registry.get_job_ids(start, start + per_page - 1, desc=True, cleanup=False)
    jobs = [
        job
        for job in Job.fetch_many(ids, connection=registry.connection, serializer=SERIALIZER)
        if job is not None
    ]
    names = _tenant_names({(job.meta or {}).get("tenant_id") for job in jobs} - {None})
    return Page(items=[_describe(job, names) for job in jobs], number=number, per_page=per_page, total=total)


def get_failed_job(job_id: str) -> FailedJob:
    """One failed job, or ``FailedJobError``."""
    job = _fetch_failed(job_id)
    tenant_id = (job.meta or {}).get("tenant_id")
    return _describe(job, _tenant_names({tenant_id} - {None}))


def retry_failed_job(job_id: str, *, actor) -> FailedJob:
    """Queue a failed job again, with its retries renewed; its task waits again. Commits
    (the audit entry and the task) before queueing, as every job waits for its commit."""
    from kringwerk.audit.services import record
    from kringwerk.jobs.queue import retry_intervals
    from kringwerk.tenancy.context import tenant_scope

    job = _fetch_failed(job_id)
    failed = _describe(job, _tenant_names({(job.meta or {}).get("tenant_id")} - {None}))
    if failed.tenant_id is not None:
        with tenant_scope(failed.tenant_id):
            if failed.task_id is not None:
                _task_waits_again(failed.task_id)
            record(
                "job.retried",
                actor=actor,
                target_label=failed.name,
                details={"job_id": failed.id, "job": failed.name, "error": failed.error[:500]},
            )
            db.session.flush()  # in the job's tenant: the flush guard checks every row's tenant
    else:  # a platform job (periodic fan-out, housekeeping) belongs to no tenant's trail
        log.info("operator %s retries platform job %s", getattr(actor, "id", None), failed.id)
    db.session.commit()
    from rq.exceptions import InvalidJobOperation

    intervals = retry_intervals()
    job.retries_left = len(intervals)  # saved with the job as it is queued
    job.retry_intervals = intervals
    try:
        _registry().requeue(job)
    except InvalidJobOperation:  # another operator was quicker
        raise FailedJobError(job_id) from None
    log.info("failed job %s queued again by an operator", failed.id)
    return failed


def _fetch_failed(job_id: str):
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    from kringwerk.jobs.queue import SERIALIZER

    registry = _registry()
    if job_id not in registry:
        raise FailedJobError(job_id)
    try:
        return Job.fetch(job_id, connection=registry.connection, serializer=SERIALIZER)
    except NoSuchJobError:
        raise FailedJobError(job_id) from None


def _task_waits_again(task_id: int) -> None:
    from kringwerk.jobs.models import TaskStatus
    from kringwerk.jobs.services import get_task

    task = get_task(task_id)
    if task is not None and task.status == TaskStatus.FAILED:
        task.status = TaskStatus.QUEUED
        task.failure = task.finished_at = None


def _tenant_names(ids: set[int]) -> dict[int, str]:
    from kringwerk.tenancy.models import Tenant

    if not ids:
        return {}
    return {
        row.id: row.name
        for row in db.session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(ids)))
    }


def _describe(job, names: dict[int, str]) -> FailedJob:
    kwargs = job.kwargs or {}
    meta = job.meta or {}
    result = job.latest_result()
    details = (getattr(result, "exc_string", None) or "").strip()
    lines = [line for line in details.splitlines() if line.strip()]
    tenant_id = meta.get("tenant_id")
    failed_at = job.ended_at or getattr(result, "created_at", None)
    if failed_at is not None and failed_at.tzinfo is None:
        failed_at = failed_at.replace(tzinfo=UTC)
    return FailedJob(
        id=job.id,
        func=str(kwargs.get("func") or job.func_name),
        tenant_id=tenant_id,
        tenant_name=names.get(tenant_id),
        plugin=meta.get("plugin"),
        task_id=kwargs.get("task_id"),
        failed_at=failed_at,
        error=lines[-1] if lines else "",
        details=details,
    )
