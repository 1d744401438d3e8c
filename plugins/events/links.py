"""Events other plugins may link to (a masterplan project's meetings), answered to the
``linkable_events`` hook as plain ``LinkableEvent`` values, so no plugin imports this one.

Offered for linking: the tenant's published events from a year ago onwards. Asked by id:
published and cancelled ones (a cancelled event says so); drafts are never answered, so
only organisers ever see them, and an id not answered is gone.
"""

from __future__ import annotations

from datetime import timedelta

from flask import has_request_context, url_for
from sqlalchemy import select

from kringwerk.plugin_api import LinkableEvent, db, external_url, hookimpl, utcnow
from plugins.events.models import Event, EventState

OFFERED = 200  # at most this many to choose from, soonest first
SINCE = timedelta(days=365)
MAX_ID = 2**31 - 1


def _url(event_id: int) -> str:
    # In a request the page's own relative link; outside one (the demo, a job) an absolute one.
    if has_request_context():
        return url_for("events.event", event_id=event_id)
    return external_url("events.event", event_id=event_id)


@hookimpl
def linkable_events(tenant, ids):
    query = select(Event.id, Event.title, Event.starts_at, Event.state).where(Event.tenant_id == tenant.id)
    if ids is None:
        query = (
            query.where(Event.state == EventState.PUBLISHED, Event.starts_at >= utcnow() - SINCE)
            .order_by(Event.starts_at, Event.id)
            .limit(OFFERED)
        )
    else:
        wanted = sorted(
            {i for i in ids if isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID}
        )
        if not wanted:
            return []
        query = query.where(Event.id.in_(wanted), Event.state != EventState.DRAFT).order_by(Event.starts_at)
    return [
        LinkableEvent(
            row.id, row.title, row.starts_at, _url(row.id), cancelled=row.state == EventState.CANCELLED
        )
        for row in db.session.execute(query)
    ]
