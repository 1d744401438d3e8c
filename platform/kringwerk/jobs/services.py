"""Long work that people wait for: a BackgroundTask per run, with progress.

Start work with ``start_task(kind, func, ..., actor=user)``: it creates the task
and enqueues ``func(..., task_id=task.id)`` (after commit, like every job). The
runner marks the task running, done when ``func`` returns (a returned dict is
kept as the result; its ``message`` and ``url`` are shown), and failed when the
last attempt fails or the plugin is off. Inside the job, call
``report_progress(task_id, done, total, message)`` between batches.

``report_progress`` commits the job's session, so the status page can see the
progress: the work done so far is committed with it. Report between batches
that each stand on their own (jobs are retried, so make them idempotent).

A task whose job never got queued, or whose worker died, would wait forever:
``fail_stale_tasks`` (periodic) fails those waiting or running longer than
``TASK_STALE_AFTER`` (a timedelta, or a dict of them by task kind with a
``"default"``), measured from the start of the run, else from its creation.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from kringwerk.extensions import db, utcnow
from kringwerk.jobs.dispatch import build_pending, hold
from kringwerk.jobs.models import BackgroundTask, TaskFailure, TaskStatus
from kringwerk.tenancy.context import current_tenant_id, tenant_scope, unscoped

log = logging.getLogger("kringwerk.jobs")

TASK_RETENTION = timedelta(days=30)
# Longer than RQ can keep a job going: four attempts of at most JOB_TIMEOUT
# (15 min) with 6 min of back-off between them, and a margin for a busy queue.
TASK_STALE_AFTER = timedelta(minutes=90)
STALE = "stale"  # the result's mark of a task failed by fail_stale_tasks


def create_task(
    kind: str, *, actor=None, total: int | None = None, message: str | None = None
) -> BackgroundTask:
    """A queued task in the tenant in scope."""
    task = BackgroundTask(
        kind=kind, total=total, message=message, created_by_id=getattr(actor, "id", None), done=0
    )
    db.session.add(task)
    db.session.flush()
    return task


def plugin_of_kind(kind: str) -> str | None:
    """The plugin a task belongs to: a plugin's task kinds start with its key and a dot."""
    from kringwerk.pluginhost.registry import get_registry

    key = kind.partition(".")[0]
    return key if key in get_registry() else None


def start_task(
    kind: str,
    func,
    *args,
    actor=None,
    tenant=None,
    plugin: str | None = None,
    total: int | None = None,
    message: str | None = None,
    **kwargs,
) -> BackgroundTask:
    """Create a task and enqueue ``func(*args, task_id=task.id, **kwargs)`` for after the commit."""
    tenant_id = current_tenant_id() if tenant is None else (tenant if isinstance(tenant, int) else tenant.id)
    if tenant_id is None:
        raise ValueError("a background task belongs to a tenant; none is in scope")
    with tenant_scope(tenant_id):
        task = create_task(kind, actor=actor, total=total, message=message)
        pending = build_pending(
            func,
            list(args),
            {**kwargs, "task_id": task.id},
            tenant=tenant_id,
            plugin=plugin,
            description=f"{kind} (task {task.id})",
            task_id=task.id,
        )
        # The status page finds a task's plugin by its kind (and hides it while the plugin is off).
        if pending.plugin is not None and plugin_of_kind(kind) != pending.plugin:
            raise ValueError(
                f"a task of plugin {pending.plugin!r} needs a kind starting {pending.plugin + '.'!r}"
            )
        hold(pending)
    return task


def get_task(task_id: int) -> BackgroundTask | None:
    return db.session.get(BackgroundTask, task_id)


def report_progress(
    task_id: int, done: int, total: int | None = None, message: str | None = None
) -> BackgroundTask | None:
    """Record progress from inside a job and commit (see the module docstring)."""
    task = get_task(task_id)
    if task is None:
        log.warning("progress for unknown task %s (another tenant, or deleted)", task_id)
        return None
    task.done = max(0, int(done))
    if total is not None:
        task.total = max(0, int(total))
    if message is not None:
        task.message = str(message)
    if task.status == TaskStatus.QUEUED:
        _start(task)
    db.session.commit()
    return task


def finish_task(task_id: int, *, message: str | None = None, result: dict[str, Any] | None = None) -> None:
    """Mark the task done; it commits with the job."""
    task = get_task(task_id)
    if task is None:
        return
    task.status = TaskStatus.DONE
    task.failure = None
    task.finished_at = utcnow()
    if task.total:
        task.done = task.total
    if result is not None:
        task.result = result
    if message is not None:
        task.message = str(message)


def fail_task(task_id: int, message: str | None = None, *, result: dict[str, Any] | None = None) -> None:
    """Mark the task failed (the job decided it cannot be done, or did part of it); it
    commits with the job. ``result`` keeps what was done, for the page and the operator."""
    task = get_task(task_id)
    if task is None:
        return
    _fail(task, TaskFailure.ERROR)
    if message is not None:
        task.message = str(message)
    if result is not None:
        task.result = result


# --- called by the runner ----------------------------------------------------------------


def mark_running(task_id: int) -> None:
    task = get_task(task_id)
    if task is None:
        return
    if task.status == TaskStatus.FAILED and isinstance(task.result, dict) and task.result.get(STALE):
        # Failed as stale while its job was only slow to start: the job takes it back.
        task.failure = task.finished_at = task.message = None
        task.result = {key: value for key, value in task.result.items() if key != STALE} or None
        task.status = TaskStatus.QUEUED
    if not task.status.finished:
        _start(task)


def mark_finished(task_id: int, result: Any) -> None:
    """The job returned: done, unless the job already settled the task itself."""
    task = get_task(task_id)
    if task is None or task.status.finished:
        return
    if isinstance(result, dict):
        finish_task(task_id, result=result, message=result.get("message"))
    else:
        finish_task(task_id)


def mark_skipped(task_id: int) -> None:
    task = get_task(task_id)
    if task is not None:
        _fail(task, TaskFailure.PLUGIN_DISABLED)


def mark_failed_attempt(task_id: int, *, final: bool) -> None:
    """A failed attempt: failed for good on the last one, else waiting for the retry."""
    task = get_task(task_id)
    if task is None or task.status.finished:
        return
    if final:
        _fail(task, TaskFailure.ERROR)
    else:
        task.status = TaskStatus.QUEUED


def mark_not_queued(task_id: int, message: str) -> None:
    """The task's job could not be queued (Redis down): failed, with ``message``."""
    task = get_task(task_id)
    if task is not None and not task.status.finished:
        _fail(task, TaskFailure.ERROR)
        task.message = message


def _start(task: BackgroundTask) -> None:
    task.status = TaskStatus.RUNNING
    task.started_at = task.started_at or utcnow()


def _fail(task: BackgroundTask, failure: TaskFailure) -> None:
    task.status = TaskStatus.FAILED
    task.failure = failure
    task.finished_at = utcnow()


# --- housekeeping --------------------------------------------------------------------------


def stale_after() -> dict[str, timedelta]:
    """The timeouts by task kind (``"default"`` for the others), from ``TASK_STALE_AFTER``."""
    setting = current_app.config.get("TASK_STALE_AFTER", TASK_STALE_AFTER)
    if isinstance(setting, timedelta):
        return {"default": setting}
    return {"default": TASK_STALE_AFTER, **setting}


def fail_stale_tasks() -> int:
    """Periodic (platform): fail every task waiting or running longer than its timeout,
    in every tenant (its worker died, or its job was never queued); returns how many.
    Should its job run after all (a slow queue), the task comes back (``mark_running``)."""
    timeouts = stale_after()
    now = utcnow()
    last_sign = func.coalesce(BackgroundTask.started_at, BackgroundTask.created_at)
    shortest = min(timeouts.values())
    failed = 0
    with unscoped("housekeeping: fail background tasks of every tenant that stopped"):
        candidates = db.session.scalars(
            select(BackgroundTask).where(
                BackgroundTask.status.in_((TaskStatus.QUEUED, TaskStatus.RUNNING)),
                last_sign < now - shortest,
            )
        ).all()
        for task in candidates:
            timeout = timeouts.get(task.kind, timeouts["default"])
            if (task.started_at or task.created_at) >= now - timeout:
                continue
            _fail(task, TaskFailure.ERROR)
            task.result = {**(task.result if isinstance(task.result, dict) else {}), STALE: True}
            # Read by the people of the tenant; written in the platform's language.
            task.message = str(
                _l(
                    "The work stopped without finishing: nothing happened for %(minutes)s minutes. "
                    "Please start it again.",
                    minutes=int(timeout.total_seconds() // 60),
                )
            )
            log.warning(
                "task %s (%s, tenant %s) failed: stale since %s",
                task.id,
                task.kind,
                task.tenant_id,
                task.started_at or task.created_at,
            )
            failed += 1
        db.session.flush()
    return failed


def prune_tasks() -> int:
    """Periodic (platform): forget finished tasks after TASK_RETENTION."""
    cutoff = utcnow() - TASK_RETENTION
    with unscoped("housekeeping: delete finished background tasks of every tenant"):
        result = db.session.execute(
            delete(BackgroundTask)
            .where(BackgroundTask.finished_at.is_not(None), BackgroundTask.finished_at < cutoff)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount or 0
