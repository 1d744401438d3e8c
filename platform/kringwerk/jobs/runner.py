"""The small runner every job goes through, on a worker or in-process.

It gives the job what a request would have: an app context with its own
database session, the tenant's scope, and the plugin gate (a job of a plugin
that is not enabled in the tenant does not run). It commits when the job
returns and rolls back and re-raises when it fails, so RQ can retry.

A worker that dies mid-job (SIGKILL, a lost pod) runs none of that. RQ notices
it itself: the worker's own process per job ending on a signal, or, when the
whole worker died, the job's expired entry in the StartedJobRegistry, which the
next worker's maintenance moves on (retried while retries are left, else failed
with ``AbandonedJobError``). ``job_failed`` and ``work_horse_killed`` then tell
the job's task, so no task stays "running" for a job RQ gave up on.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
from contextvars import ContextVar
from typing import Any

from flask import Flask, current_app, has_app_context

from kringwerk.extensions import db

log = logging.getLogger("kringwerk.jobs")

SKIPPED = "skipped"

_app: Flask | None = None
_app_pid: int | None = None
_final_attempt: ContextVar[bool] = ContextVar("kringwerk_job_final_attempt", default=True)


def set_app(app: Flask | None) -> None:
    """The worker process creates its app once and keeps it for every job (None forgets it)."""
    global _app, _app_pid
    _app, _app_pid = app, (os.getpid() if app is not None else None)


def get_app() -> Flask:
    if _app is not None:
        return _app
    if has_app_context():
        return current_app._get_current_object()
    from kringwerk import create_app

    set_app(create_app())
    return _app


def is_final_attempt() -> bool:
    """False while RQ still has retries left for the running job."""
    return _final_attempt.get()


def run_job(
    func: str,
    args: list | None = None,
    kwargs: dict | None = None,
    tenant_id: int | None = None,
    plugin: str | None = None,
    task_id: int | None = None,
) -> Any:
    """What RQ runs: the job ``func`` ("module:function") with its arguments."""
    from rq import get_current_job

    job = get_current_job()
    final = job is None or not job.retries_left
    return run_isolated(
        get_app(),
        func,
        args or [],
        kwargs or {},
        tenant_id=tenant_id,
        plugin=plugin,
        task_id=task_id,
        final_attempt=final,
    )


def job_failed(job, connection, exc_type=None, exc_value=None, traceback=None) -> None:
    """RQ's failure callback of every job (``on_failure``). An error the job raised was
    recorded by ``execute`` already; a job found abandoned by a dead worker was not."""
    from rq.exceptions import AbandonedJobError

    if exc_type is not None and issubclass(exc_type, AbandonedJobError):
        _task_lost(job, "abandoned by a worker that stopped")


def work_horse_killed(job, retpid, ret_val, rusage) -> None:
    """RQ's worker: the process running ``job`` ended on a signal (killed, out of memory)."""
    _task_lost(job, f"its process ended unexpectedly ({ret_val})")


def _task_lost(job, why: str) -> None:
    """The job's attempt ended without the runner: its task waits for the retry RQ
    makes (retries left) or fails (none left). Never raises into RQ."""
    kwargs = job.kwargs or {}
    task_id, tenant_id = kwargs.get("task_id"), kwargs.get("tenant_id")
    final = not job.retries_left
    log.warning("job %s %s; %s", job.id, why, "no retries left" if final else "RQ retries it")
    if task_id is None or tenant_id is None:
        return
    try:
        run_isolated(
            get_app(),
            "kringwerk.jobs.services:mark_failed_attempt",
            [task_id],
            {"final": final},
            tenant_id=tenant_id,
        )
    except Exception:
        log.exception("could not record on task %s that job %s was lost", task_id, job.id)


def run_in_process(pending) -> Any:
    """Run a committed job right here (no REDIS_URL); a failure is logged, never raised."""
    log.info("running job %s in-process (no REDIS_URL)", pending.job_id)
    try:
        result = run_isolated(pending.app, **pending.runner_kwargs())
    except Exception:
        log.exception("job %s failed in-process", pending.job_id)
        return None
    log.info("job %s finished in-process", pending.job_id)
    return result


def run_isolated(app: Flask, func: str, args: list, kwargs: dict, **options) -> Any:
    """Run in a fresh ``contextvars.Context``: the caller's app context, session,
    tenant scope and ``unscoped()`` crossing never leak into the job."""
    return contextvars.Context().run(execute, app, func, args, kwargs, **options)


def execute(
    app: Flask,
    func: str,
    args: list,
    kwargs: dict,
    *,
    tenant_id: int | None = None,
    plugin: str | None = None,
    task_id: int | None = None,
    final_attempt: bool = True,
) -> Any:
    from kringwerk.jobs import services
    from kringwerk.jobs.dispatch import plugin_of, resolve
    from kringwerk.tenancy.context import no_tenant_scope, tenant_scope

    _final_attempt.set(final_attempt)
    _after_fork(app)
    with app.app_context():
        scope = tenant_scope(tenant_id) if tenant_id is not None else no_tenant_scope()
        with scope:
            try:
                # The plugin the job names, and the one whose package holds the
                # function (a job queued without plugin=, or before it was derived).
                plugins = {key for key in (plugin, plugin_of(func, app)) if key is not None}
                off = sorted(
                    key for key in plugins if tenant_id is None or not _plugin_enabled(tenant_id, key)
                )
                if off:
                    log.info("job %s skipped: plugin %s is not enabled in tenant %s", func, off[0], tenant_id)
                    if task_id is not None:
                        services.mark_skipped(task_id)
                    db.session.commit()
                    return SKIPPED
                target = resolve(func)
                if task_id is not None:
                    services.mark_running(task_id)
                    db.session.commit()
                result = target(*args, **kwargs)
                result = _json_safe(result)
                if task_id is not None:
                    services.mark_finished(task_id, result)
                db.session.commit()
                return result
            except Exception:
                db.session.rollback()
                if task_id is not None:
                    _record_task_failure(task_id, final_attempt)
                raise


def _plugin_enabled(tenant_id: int, plugin: str) -> bool:
    from kringwerk.pluginhost.gating import is_enabled
    from kringwerk.tenancy.models import Tenant

    tenant = db.session.get(Tenant, tenant_id)
    return tenant is not None and is_enabled(tenant, plugin)


def _record_task_failure(task_id: int, final_attempt: bool) -> None:
    from kringwerk.jobs import services

    try:
        services.mark_failed_attempt(task_id, final=final_attempt)
        db.session.commit()
    except Exception:  # the job's own error matters more; keep it
        log.exception("could not record the failure of task %s", task_id)
        db.session.rollback()


def _json_safe(result: Any) -> Any:
    """RQ stores results as JSON; a job that returns something else still succeeded."""
    try:
        json.dumps(result)
    except (TypeError, ValueError):
        return repr(result)
    return result


def _after_fork(app: Flask) -> None:
    """RQ's worker forks a process per job: the copy must not reuse the parent's
    database connections (they share sockets), so it drops them unclosed."""
    global _app_pid
    if app is _app and _app_pid is not None and _app_pid != os.getpid():
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)
        _app_pid = os.getpid()
