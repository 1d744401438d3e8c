"""Jobs of the events plugin, per tenant that has it: the day-before reminder, and seats from
the waiting list that were not confirmed in time passing on."""

from __future__ import annotations

from datetime import timedelta

from kringwerk.plugin_api import PeriodicJob, hookimpl
from plugins.events.paid import release_forgotten_holds
from plugins.events.reminders import send_due_reminders
from plugins.events.signup import pass_on_expired_offers


def reminders_job(tenant_id: int) -> int:
    """Periodic, per tenant: the day-before reminders that are due (each event once)."""
    return send_due_reminders()


def expired_offers_job(tenant_id: int) -> int:
    """Periodic, per tenant: seats from the waiting list not confirmed in time pass on."""
    return pass_on_expired_offers()


def forgotten_holds_job(tenant_id: int) -> int:
    """Periodic, per tenant: seats held for a payment Stripe never reported on are freed."""
    return release_forgotten_holds()


@hookimpl
def periodic_jobs():
    return [
        PeriodicJob("events.reminders", reminders_job, interval=timedelta(minutes=15)),
        PeriodicJob("events.expired_offers", expired_offers_job, interval=timedelta(minutes=5)),
        PeriodicJob("events.forgotten_holds", forgotten_holds_job, interval=timedelta(hours=1)),
    ]
