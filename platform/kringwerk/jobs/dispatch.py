"""Enqueueing jobs after the database transaction commits.

``enqueue`` only notes the job in ``session.info``; three session events decide
its fate:

* ``after_commit`` of the outermost transaction sends every noted job: to RQ on
  Redis, or, without ``REDIS_URL``, runs it in-process right there.
* a rolled-back savepoint drops the jobs noted inside it;
* the outermost transaction ending any other way (rollback, close) drops the rest.

So a job never runs for data that was not committed, and never sees the
database before the commit that asked for it.

A job that cannot be queued (Redis down) is not lost silently: its task, if
any, is marked failed, and ``unsent_jobs()`` names it, so the request that
committed can tell the person ("we could not send the e-mail right now").
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from kringwerk.extensions import db
from kringwerk.tenancy.context import current_tenant_id

log = logging.getLogger("kringwerk.jobs")

PENDING = "kringwerk.pending_jobs"
UNSENT = "kringwerk.unsent_jobs"
# RQ 3 accepts only these characters in a job id (no colons), hence "t12-name-hex".
JOB_ID_PART = re.compile(r"^[A-Za-z0-9_-]{1,120}$")
ACTIVE_STATUSES = frozenset({"queued", "started", "scheduled", "deferred"})


@dataclass
class PendingJob:
    """A job waiting for its transaction to commit."""

    app: Flask
    job_id: str
    func: str  # "module:function"
    args: list
    kwargs: dict
    tenant_id: int | None
    plugin: str | None
    description: str
    task_id: int | None = None
    given_id: bool = False
    savepoints: tuple[SessionTransaction, ...] = field(default=(), repr=False)

    def runner_kwargs(self) -> dict[str, Any]:
        return {
            "func": self.func,
            "args": self.args,
            "kwargs": self.kwargs,
            "tenant_id": self.tenant_id,
            "plugin": self.plugin,
            "task_id": self.task_id,
        }


# --- the public call -------------------------------------------------------------------


def enqueue(
    func,
    *args,
    tenant=None,
    plugin: str | None = None,
    job_id: str | None = None,
    description: str | None = None,
    **kwargs,
) -> str:
    """Run ``func(*args, **kwargs)`` in the background once the current transaction commits.

    Call ``enqueue`` and then ``db.session.commit()``: nothing is sent before the
    commit (even when there is nothing else to commit), and a rollback drops it.
    ``tenant`` (a Tenant or its id) defaults to the tenant in scope; the job runs
    inside that tenant's scope. A job of a plugin is refused at run time when the
    plugin is not enabled in the tenant: ``plugin`` names it, and a function in a
    plugin's package belongs to that plugin without it. Arguments must be JSON-serialisable:
    pass ids, not objects. Returns the job id.
    """
    pending = build_pending(
        func, list(args), kwargs, tenant=tenant, plugin=plugin, job_id=job_id, description=description
    )
    hold(pending)
    return pending.job_id


def build_pending(
    func,
    args: list,
    kwargs: dict,
    *,
    tenant=None,
    plugin: str | None = None,
    job_id: str | None = None,
    description: str | None = None,
    task_id: int | None = None,
    app: Flask | None = None,
) -> PendingJob:
    path = function_path(func)
    app = app or current_app._get_current_object()
    plugin = plugin or plugin_of(path, app)
    tenant_id = _tenant_id(tenant)
    if plugin is not None and tenant_id is None:
        raise ValueError(f"job {path} of plugin {plugin!r} needs a tenant")
    args, kwargs = _json_round_trip(path, args, kwargs)
    if job_id is not None and not JOB_ID_PART.match(job_id):
        raise ValueError(f"job id {job_id!r} may only hold letters, digits, '_' and '-' (at most 120)")
    prefix = f"t{tenant_id}" if tenant_id is not None else "platform"
    suffix = job_id or f"{func.__name__}-{uuid.uuid4().hex}"
    return PendingJob(
        app=app,
        job_id=f"{prefix}-{suffix}",
        func=path,
        args=args,
        kwargs=kwargs,
        tenant_id=tenant_id,
        plugin=plugin,
        description=description or f"{path} ({prefix})",
        task_id=task_id,
        given_id=job_id is not None,
    )


def hold(pending: PendingJob) -> None:
    """Keep ``pending`` on the current session until its transaction ends."""
    session = db.session()
    if not session.in_transaction():
        # Begin one now, so that a rollback (or close) before any query still drops the job.
        session.begin()
    pending.savepoints = _open_savepoints(session)
    session.info.setdefault(PENDING, []).append(pending)


def pending_jobs(session: Session | None = None) -> list[PendingJob]:
    """Jobs noted on the session and not yet sent (for tests and debugging)."""
    session = session or db.session()
    return list(session.info.get(PENDING, ()))


def unsent_jobs(session: Session | None = None) -> list[str]:
    """Ids of the jobs this session committed that could not be queued (Redis was
    unreachable). Ask after ``db.session.commit()``; empty when all went out."""
    session = session or db.session()
    return list(session.info.get(UNSENT, ()))


def function_path(func) -> str:
    """``module:function`` for a module-level function; anything else is refused
    here rather than failing later in the worker."""
    if not inspect.isfunction(func) or func.__qualname__ != func.__name__ or func.__module__ == "__main__":
        raise TypeError(f"{func!r} is not a module-level function; a job must name one")
    path = f"{func.__module__}:{func.__name__}"
    if resolve(path) is not func:
        raise TypeError(f"{path} does not lead back to {func!r}; a job must name a module-level function")
    return path


def plugin_of(path: str, app: Flask) -> str | None:
    """The plugin whose package holds the job function ``path`` ("module:function"),
    so a plugin's job is gated even when it was enqueued without ``plugin=``."""
    from kringwerk.pluginhost.registry import EXTENSION_KEY

    registry = app.extensions.get(EXTENSION_KEY)
    return registry.plugin_for_module(path.partition(":")[0]) if registry is not None else None


def resolve(path: str):
    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


def _tenant_id(tenant) -> int | None:
    if tenant is None:
        return current_tenant_id()
    if isinstance(tenant, bool):
        raise TypeError("tenant must be a Tenant or its id")
    if isinstance(tenant, int):
        return tenant
    if tenant.id is None:
        raise ValueError("the tenant has no id yet; flush it before enqueueing its jobs")
    return tenant.id


def _json_round_trip(path: str, args: list, kwargs: dict) -> tuple[list, dict]:
    """The job gets what JSON gives back, in-process too, so both modes behave alike."""
    try:
        return json.loads(json.dumps([args, kwargs]))
    except (TypeError, ValueError) as error:
        raise TypeError(f"arguments of job {path} must be JSON-serialisable (pass ids): {error}") from None


def _open_savepoints(session: Session) -> tuple[SessionTransaction, ...]:
    savepoints = []
    transaction = session.get_nested_transaction()
    while transaction is not None and transaction.nested:
        savepoints.append(transaction)
        transaction = transaction.parent
    return tuple(savepoints)


# --- the session events ----------------------------------------------------------------


def install(session_class: type[Session]) -> None:
    """Attach the events to ``session_class`` (idempotent)."""
    for name, listener in (
        ("after_commit", _after_commit),
        ("after_soft_rollback", _after_soft_rollback),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a released savepoint; the outer transaction may still roll back
        return
    jobs = session.info.pop(PENDING, None)
    if jobs:
        unsent = dispatch(jobs)
        if unsent:
            session.info.setdefault(UNSENT, []).extend(job.job_id for job in unsent)


def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if not previous_transaction.nested:
        return
    jobs = session.info.get(PENDING)
    if not jobs:
        return
    kept = [job for job in jobs if previous_transaction not in job.savepoints]
    if len(kept) != len(jobs):
        log.info("dropped %d job(s): their savepoint was rolled back", len(jobs) - len(kept))
        session.info[PENDING] = kept


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    jobs = session.info.pop(PENDING, None)
    if jobs:
        log.info(
            "dropped %d job(s) (%s): the transaction ended without a commit",
            len(jobs),
            ", ".join(job.job_id for job in jobs),
        )


# --- sending ---------------------------------------------------------------------------


def dispatch(jobs: list[PendingJob]) -> list[PendingJob]:
    """Send committed jobs: RQ when the app has Redis, else run them here and now.
    Returns the jobs that could not be queued (their tasks are marked failed)."""
    queued: dict[int, list[PendingJob]] = {}
    unsent: list[PendingJob] = []
    for job in jobs:
        if job.app.config["JOBS_IN_PROCESS"]:
            from kringwerk.jobs.runner import run_in_process

            run_in_process(job)
        else:
            queued.setdefault(id(job.app), []).append(job)
    for batch in queued.values():
        try:
            _push(batch)
        except Exception:
            log.exception(
                "could not queue job(s) %s on Redis; they were NOT sent", [job.job_id for job in batch]
            )
            unsent.extend(batch)
            _fail_tasks_of(batch)
    return unsent


def _fail_tasks_of(jobs: list[PendingJob]) -> None:
    """Mark the tasks of unqueued jobs failed, in a session of their own: the
    request's transaction has committed already. Never raises into the request."""
    from flask_babel import lazy_gettext as _l

    from kringwerk.jobs.runner import run_isolated

    text = _l("The work could not be started: the job queue is unreachable. Please try again later.")
    if has_app_context():
        message = str(text)  # in the language of the request that started the work
    else:
        with jobs[0].app.app_context():
            message = str(text)
    for job in jobs:
        if job.task_id is None:
            continue
        try:
            run_isolated(
                job.app,
                "kringwerk.jobs.services:mark_not_queued",
                [job.task_id, message],
                {},
                tenant_id=job.tenant_id,
            )
        except Exception:
            log.exception("could not mark task %s failed after its job was not queued", job.task_id)


def push(jobs: list[PendingJob]) -> list[str]:
    """Put jobs on the RQ queue in one round trip; returns the ids queued (none,
    logged, when Redis cannot be reached: the periodic scheduler tries again)."""
    try:
        return _push(jobs)
    except Exception:
        log.exception("could not queue job(s) %s on Redis; they were NOT sent", [job.job_id for job in jobs])
        return []


def _push(jobs: list[PendingJob]) -> list[str]:
    """Put jobs on the RQ queue in one round trip; returns the ids queued, raises when Redis fails."""
    from rq import Callback, Queue
    from rq.job import Job

    from kringwerk.jobs.queue import (
        FAILURE_TTL,
        SERIALIZER,
        get_queue,
        job_timeout,
        redis_connection,
        retry_policy,
    )
    from kringwerk.jobs.runner import job_failed, run_job

    app = jobs[0].app
    connection = redis_connection(app)
    datas, seen = [], set()
    for job in jobs:
        if job.job_id in seen:
            log.info("job %s is already part of this commit; queued once", job.job_id)
            continue
        seen.add(job.job_id)
        if job.given_id and _still_active(Job, job.job_id, connection, SERIALIZER):
            log.info("job %s is still waiting or running; not queued twice", job.job_id)
            continue
        datas.append(
            Queue.prepare_data(
                run_job,
                kwargs=job.runner_kwargs(),
                job_id=job.job_id,
                description=job.description,
                retry=retry_policy(app),
                timeout=job_timeout(job.func, app),
                failure_ttl=FAILURE_TTL,
                # RQ calls it when the job fails, also when it finds the job abandoned
                # by a worker that died (AbandonedJobError): the task learns it.
                on_failure=Callback(job_failed),
                meta={"tenant_id": job.tenant_id, "plugin": job.plugin},
            )
        )
    if datas:
        get_queue(app, connection).enqueue_many(datas)
    ids = [data.job_id for data in datas]
    if ids:
        log.info("queued %s", ", ".join(ids))
    return ids


def _still_active(job_class, job_id: str, connection, serializer) -> bool:
    from rq.exceptions import NoSuchJobError

    try:
        status = job_class.fetch(job_id, connection=connection, serializer=serializer).get_status()
    except NoSuchJobError:
        return False
    return str(getattr(status, "value", status)) in ACTIVE_STATUSES
