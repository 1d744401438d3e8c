"""Background and periodic jobs of the polls plugin.

Job functions take ids (they run later, in their own session, inside the
tenant's scope); the work itself lives in ``plugins.polls.invitations``.
``periodic_jobs`` is a hookimpl (imported into ``plugins.polls.hooks``): every
five minutes per tenant with the plugin, close polls past their end time and
send scheduled reminders that are due; every hour, delete export files past
their retention.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from kringwerk.plugin_api import PeriodicJob, Tenant, db, fail_task, finish_task, hookimpl, report_progress
from plugins.polls import exports, invitations
from plugins.polls.models import Poll
from plugins.polls.sealing import release_closed_job


def send_invitations(poll_id: int, *, task_id: int | None = None) -> dict:
    """Mail the poll's unsent invitations, reporting progress on ``task_id``."""
    poll = db.session.get(Poll, poll_id)
    if poll is None:
        if task_id is not None:
            fail_task(task_id, str(_l("The poll no longer exists.")))
        return {"sent": 0}
    delivery = invitations.deliver_invitations(poll, task_id=task_id)
    sent = str(ngettext("%(num)s invitation sent.", "%(num)s invitations sent.", delivery.sent))
    failed = ngettext(
        "%(num)s invitation could not be sent: the mail server did not take it. Send the invitations again later.",
        "%(num)s invitations could not be sent: the mail server did not take them. Send the invitations again later.",
        delivery.failed,
    )
    return _report(task_id, delivery, sent, failed)


def send_reminder_mails(poll_id: int, started: str, *, task_id: int | None = None) -> dict:
    """Mail reminders to the poll's non-respondents not reminded since ``started`` (ISO time)."""
    poll = db.session.get(Poll, poll_id)
    if poll is None:
        if task_id is not None:
            fail_task(task_id, str(_l("The poll no longer exists.")))
        return {"sent": 0}
    delivery = invitations.deliver_reminders(poll, datetime.fromisoformat(started), task_id=task_id)
    sent = str(ngettext("%(num)s reminder sent.", "%(num)s reminders sent.", delivery.sent))
    failed = ngettext(
        "%(num)s reminder could not be sent: the mail server did not take it. Send the reminders again later.",
        "%(num)s reminders could not be sent: the mail server did not take them. Send the reminders again later.",
        delivery.failed,
    )
    return _report(task_id, delivery, sent, failed)


def _report(task_id: int | None, delivery: invitations.Delivery, sent: str, failed: str) -> dict:
    """Done when every mail went out; failed (so the board and the operator see it) when
    any did not: only delivered mails are counted as sent."""
    if not delivery.failed:
        result = {"sent": delivery.sent, "failed": 0, "message": sent}
        if task_id is not None:
            finish_task(task_id, message=sent, result=result)
        return result
    message = f"{sent} {failed}" if delivery.sent else str(failed)
    result = {"sent": delivery.sent, "failed": delivery.failed, "message": message}
    if task_id is not None:
        fail_task(task_id, message, result=result)
    return result


def export_responses(poll_id: int, fmt: str, *, task_id: int | None = None) -> dict:
    """Write all submitted responses of the poll to a file; the task's result links to its download."""
    poll = db.session.get(Poll, poll_id)
    if poll is None:
        if task_id is not None:
            fail_task(task_id, str(_l("The poll no longer exists.")))
        return {}
    # The task id in the name for the people reading the folder; the random part so nobody guesses it.
    name = f"{task_id or 0}-{secrets.token_urlsafe(16)}.{fmt}"

    def progress(done: int) -> None:
        if task_id is not None:
            report_progress(task_id, done)

    exports.write_responses_file(poll, fmt, name, progress=progress)
    tenant = db.session.get(Tenant, poll.tenant_id)
    url = current_app.url_map.bind("localhost").build(
        "polls.export_download",
        {"tenant": tenant.slug, "poll_id": poll.id, "background_task_id": task_id or 0},
    )
    result = {"url": url, "file": name, "poll_id": poll.id, "format": fmt}
    if task_id is not None:
        finish_task(task_id, message=str(_l("The export is ready to download.")), result=result)
    return result


def prune_exports_job(tenant_id: int) -> int:
    """Periodic, per tenant: delete export files past their retention."""
    return exports.prune_exports(tenant_id)


def close_due_polls_job(tenant_id: int) -> int:
    """Periodic, per tenant: close the open polls whose end time has passed."""
    return invitations.close_due_polls()


def scheduled_reminders_job(tenant_id: int) -> int:
    """Periodic, per tenant: start the scheduled reminders that are due (each once)."""
    return len(invitations.send_due_reminders())


@hookimpl
def periodic_jobs():
    return [
        PeriodicJob("polls.close_due", close_due_polls_job, interval=timedelta(minutes=5)),
        PeriodicJob("polls.scheduled_reminders", scheduled_reminders_job, interval=timedelta(minutes=5)),
        PeriodicJob("polls.prune_exports", prune_exports_job, interval=timedelta(hours=1)),
        # The last anonymous answers of a closed poll, fewer than a sealing group.
        PeriodicJob("polls.release_sealed", release_closed_job, interval=timedelta(minutes=5)),
    ]
