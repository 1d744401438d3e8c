"""Background jobs on RQ (or in-process when no Redis is configured).

The rule: call ``enqueue``, then ``db.session.commit()``.

    from kringwerk.jobs import enqueue

    enqueue(send_reminders, poll.id, tenant=tenant, plugin="polls")
    db.session.commit()  # the job is sent now; a rollback would have dropped it

* ``func`` is a module-level function; its arguments are JSON-serialisable
  (ids, not objects). The job runs inside ``tenant``'s scope (default: the
  tenant in scope when enqueueing; "platform" jobs have none) with its own app
  context and session; the runner commits when it returns.
* A plugin's job is refused at run time (returns ``SKIPPED``) unless the plugin
  is enabled in the tenant: ``plugin`` names it, and a function in a plugin's
  package (``plugins.polls.jobs``) belongs to that plugin without it. A plugin's
  task kinds start with its key (``polls.export``); its status page answers 404
  while the plugin is disabled.
* Job ids carry the tenant: ``t<tenant id>-<function>-<uuid hex>``, a given
  ``job_id`` becomes ``t<tenant id>-<job_id>``, platform jobs start with
  ``platform-`` (RQ 3 allows no colons in ids). A given id that is still
  waiting or running is not queued twice.
* Failing jobs are retried three times, after 10 s, 1 min and 5 min.
* Without ``REDIS_URL`` (``JOBS_IN_PROCESS``) jobs run in-process right after
  the commit; a failure is logged and does not break the request.
* A job that cannot be queued (Redis down) fails its task; ``unsent_jobs()``
  after the commit names it, and ``queue_reachable()`` asks before promising.
  Tasks left waiting or running past ``TASK_STALE_AFTER`` are failed by the
  periodic ``jobs.fail_stale_tasks`` (shown on the operator's tasks page).

Long work people wait for: ``start_task`` / ``report_progress`` (see
``jobs.services``) and the status fragment at ``/<tenant>/tasks/<id>``
(``jobs.task_status``). Periodic jobs: ``jobs.periodic``; ``kringwerk worker``
and ``kringwerk tick``.
"""

from __future__ import annotations

from flask import Flask

from kringwerk.jobs.dispatch import enqueue, pending_jobs, unsent_jobs
from kringwerk.jobs.queue import queue_reachable
from kringwerk.jobs.runner import SKIPPED
from kringwerk.jobs.services import fail_task, finish_task, report_progress, start_task

__all__ = [
    "SKIPPED",
    "enqueue",
    "fail_task",
    "finish_task",
    "init_app",
    "pending_jobs",
    "queue_reachable",
    "report_progress",
    "start_task",
    "unsent_jobs",
]


def init_app(app: Flask) -> None:
    from sqlalchemy.orm import Session

    from kringwerk.jobs import dispatch, models, views  # noqa: F401 - models join the metadata

    dispatch.install(Session)
    app.register_blueprint(views.bp)
