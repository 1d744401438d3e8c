"""Calendar feeds: the tenant's public events as ``calendar.ics`` and one ``.ics`` per
event (for whoever may see the event). Both are GETs that change nothing."""

from __future__ import annotations

from flask import Response
from sqlalchemy import select

from kringwerk.plugin_api import current_tenant, db, external_url, public
from plugins.events.calendar_feed import to_ics
from plugins.events.models import Audience, Event, EventState
from plugins.events.views import bp, current_visitor, visible_event

ICS = "text/calendar; charset=utf-8"


def _link(event) -> str:
    return external_url("events.event", event_id=event.id)


def _response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="text/calendar")
    response.headers["Content-Type"] = ICS
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/calendar.ics")
@public
def calendar_ics():
    events = db.session.scalars(
        select(Event)
        .where(Event.audience == Audience.PUBLIC, Event.state != EventState.DRAFT)
        .order_by(Event.starts_at, Event.id)
        .limit(1000)
    )
    tenant = current_tenant()
    return _response(to_ics(events, name=tenant.name, url_for_event=_link), f"{tenant.slug}.ics")


@bp.get("/<int:event_id>.ics")
@public
def event_ics(event_id: int):
    event = visible_event(event_id, current_visitor())
    return _response(to_ics([event], name=event.title, url_for_event=_link), f"event-{event.id}.ics")
