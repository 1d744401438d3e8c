"""What a regional network sees of its members' events: per association, how many events
it holds this year and how many seats were taken at them (aggregates only, through the
core's ``network_figures``, which calls this inside its named crossing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from kringwerk.plugin_api import NetworkFigure, db, hookimpl, utcnow
from plugins.events.models import Event, EventState
from plugins.events.services import local, window


@hookimpl
def network_figures(network, tenant_ids):
    start, end = window(local(utcnow()).year)
    rows = db.session.execute(
        select(Event.tenant_id, func.count(Event.id), func.coalesce(func.sum(Event.seats_taken), 0))
        .where(
            Event.tenant_id.in_(list(tenant_ids)),
            Event.state == EventState.PUBLISHED,
            Event.starts_at >= start,
            Event.starts_at < end,
        )
        .group_by(Event.tenant_id)
    ).all()
    figures = []
    for tenant_id, events, seats in rows:
        figures.append(NetworkFigure(tenant_id, "events.this_year", _l("Events this year"), int(events)))
        figures.append(
            NetworkFigure(tenant_id, "events.seats_taken", _l("Seats taken this year"), int(seats))
        )
    return figures
