"""Jobs of the events plugin: the periodic reminder, per tenant that has the plugin."""

from __future__ import annotations

from datetime import timedelta

from kringwerk.plugin_api import PeriodicJob, hookimpl
from plugins.events.reminders import send_due_reminders


def reminders_job(tenant_id: int) -> int:
    """Periodic, per tenant: the day-before reminders that are due (each event once)."""
    return send_due_reminders()


@hookimpl
def periodic_jobs():
    return [PeriodicJob("events.reminders", reminders_job, interval=timedelta(minutes=15))]
