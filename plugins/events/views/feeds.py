"""Calendar feeds: the tenant's public events as ``calendar.ics`` and one ``.ics`` per
event (for whoever may see the event). Both are GETs that change nothing."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from kringwerk.plugin_api import (
    current_tenant,
    db,
    external_url,
    issue_token,
    public,
    remember,
    resolve_token,
    revoke_tokens,
)
from plugins.events.calendar_feed import personal_feed, to_ics
from plugins.events.models import PERSONAL_FEED, Audience, Event, EventState
from plugins.events.views import bp, current_visitor, load_event, signed_in_visitor
from plugins.events.views.kept import kept_event, loaded_event

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
    """The tenant's public events; with ``?token=`` a person's own feed of their sign-ups."""
    raw = request.args.get("token")
    if raw is not None:
        token = resolve_token(PERSONAL_FEED, raw)
        if token is None:
            abort(404)
        return _response(personal_feed(token.subject_id, name=_("My events")), "my-events.ics")
    tenant = current_tenant()
    # The same file for everyone until the next write (its DTSTAMP: when it was made).
    data = remember(
        ("events.public_ics",), lambda: to_ics(_public_events(), name=tenant.name, url_for_event=_link)
    )
    return _response(data, f"{tenant.slug}.ics")


def _public_events():
    return db.session.scalars(
        select(Event)
        .where(Event.audience == Audience.PUBLIC, Event.state != EventState.DRAFT)
        .order_by(Event.starts_at, Event.id)
        .limit(1000)
    )


@bp.get("/<int:event_id>.ics")
@public
def event_ics(event_id: int):
    kept_event(event_id, current_visitor())  # may they see it: every request
    # The same file for everyone who may see the event, until the next write.
    data = remember(("events.event_ics", event_id), lambda: _event_file(event_id))
    return _response(data, f"event-{event_id}.ics")


def _event_file(event_id: int) -> bytes:
    event = loaded_event(event_id) or load_event(event_id)
    return to_ics([event], name=event.title, url_for_event=_link)


def _may_have_a_feed() -> None:
    """Members and the people of the tenant's network; anyone else gets 404."""
    visitor = signed_in_visitor()
    if not (visitor.member or visitor.manager or visitor.in_network):
        abort(404)


@bp.get("/my-feed")
@public  # for the network's people too: _may_have_a_feed decides
def my_feed():
    """Explains the personal feed; making (or renewing) its link is a POST."""
    _may_have_a_feed()
    return render_template("events/my_feed.html", link=None)


@bp.post("/my-feed")
@public  # as my_feed
def my_feed_new():
    """A new personal feed link; an older one stops working (one live link per person)."""
    _may_have_a_feed()
    revoke_tokens(PERSONAL_FEED, current_user.id)
    raw = issue_token(PERSONAL_FEED, current_user.id)
    db.session.commit()
    return render_template("events/my_feed.html", link=external_url("events.calendar_ics", token=raw))
