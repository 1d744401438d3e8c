"""The annual calendar and an event's page.

Both are open to visitors (``@public``): what they show follows the visitor's
audience (members see everything published, people of the network's
associations the network-wide and public events, anyone else the public ones),
so a calendar never lists an event its reader may not open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, request
from flask_babel import gettext as _
from sqlalchemy import select

from kringwerk.plugin_api import (
    active_themes,
    current_tenant,
    db,
    int_arg,
    plugin_read_only,
    public,
    render_document_pdf,
    send_document,
    utcnow,
)
from plugins.events import overview, services
from plugins.events.forms import GuestForm, SignupForm, with_questions
from plugins.events.models import Audience, Registration, RegistrationStatus
from plugins.events.month import month_grid
from plugins.events.services import local
from plugins.events.signup import waiting_number
from plugins.events.views import bp, current_visitor, visible_event
from plugins.events.views.kept import kept_event, kept_page, loaded_event


def _audience_arg() -> Audience | None:
    try:
        return Audience(request.args.get("audience", ""))
    except ValueError:
        return None


VIEWS = ("list", "month", "year")


@dataclass
class CalendarQuery:
    """What the calendar shows: a view (upcoming list, a month, a year) and its filters."""

    view: str
    year: int
    month: int
    theme_id: int | None
    audience: Audience | None
    organiser: str | None
    # The upcoming list runs from this minute: its events are those not ended by then, so the
    # list (and the HTML kept of it) is the same throughout the minute.
    minute: datetime

    @classmethod
    def from_request(cls) -> CalendarQuery:
        minute = utcnow().replace(second=0, microsecond=0)
        now = local(minute)
        view = request.args.get("view", "list")
        year, month = int_arg("year"), int_arg("month")
        if view not in VIEWS or (year is not None and not 2000 <= year <= 2100):
            abort(404)
        if month is not None and not 1 <= month <= 12:
            abort(404)
        return cls(
            view=view,
            year=year or now.year,
            month=month or now.month,
            theme_id=int_arg("theme"),
            audience=_audience_arg(),
            organiser=(request.args.get("organiser") or "").strip()[:200] or None,
            minute=minute,
        )

    @property
    def window(self) -> dict:
        if self.view == "list":
            return {"upcoming_from": self.minute}
        return {"year": self.year, "month": self.month if self.view == "month" else None}

    @property
    def key(self) -> tuple:
        """Everything the calendar shows depends on besides the data, the visitor and the
        clock: the view, the period (a month or a year; its default, this month, is resolved
        before) and the filters."""
        return (self.view, self.year, self.month, self.theme_id, self.audience, self.organiser)

    @property
    def version(self) -> datetime | None:
        """What makes a kept calendar old without a write: the minute, for the upcoming list
        only (a month or a year shows the same all day)."""
        return self.minute if self.view == "list" else None


def calendar_events(query: CalendarQuery, visitor, themes) -> tuple[list, list[str]]:
    """The events the visitor may see (own and shared, by start), and every organiser among
    them for the filter (before the organiser filter applies)."""
    theme_key = next((theme.key for theme in themes if theme.id == query.theme_id), None)
    tenant = current_tenant()
    events = services.own_events(
        visitor, tenant, theme_id=query.theme_id, audience=query.audience, **query.window
    )
    if query.theme_id is None or theme_key is not None:
        events += services.shared_events(
            tenant, visitor, theme_key=theme_key, audience=query.audience, **query.window
        )
        events.sort(key=lambda event: (event.starts_at, event.shared, event.id))
    organisers = sorted({event.organiser or tenant.name for event in events})
    if query.organiser:
        events = [event for event in events if (event.organiser or tenant.name) == query.organiser]
    return events, organisers


def _themes() -> tuple:
    """The active themes for the filter, as plain values (kept per process in a request)."""
    return active_themes(current_tenant())


def person(visitor) -> tuple:
    """The part of a kept page's key naming who looks: nobody signed in (every visitor signed
    out sees the same page), or the person with their standing towards the tenant."""
    if visitor.user is None:
        return (None,)
    return (visitor.user.id, visitor.member, visitor.manager, visitor.via)


@bp.get("/")
@public
def index():
    visitor = current_visitor()
    query = CalendarQuery.from_request()
    key = ("events.calendar", person(visitor), plugin_read_only(), query.key)
    return kept_page(
        key,
        "events/index.html",
        lambda: _calendar(query, visitor),
        title=_("Events"),
        block="calendar",
        version=query.version,
    )


def _calendar(query: CalendarQuery, visitor) -> dict:
    themes = _themes()
    events, organisers = calendar_events(query, visitor, themes)
    return {
        "visitor": visitor,
        "query": query,
        "months": services.by_month(events),
        "grid": month_grid(query.year, query.month, events) if query.view == "month" else None,
        "events": events,
        "view": query.view,
        "year": query.year,
        "theme_id": query.theme_id,
        "audience": query.audience,
        "themes": themes,
        "organisers": organisers,
        "audiences": services.visible_audiences(visitor),
    }


@bp.get("/year.pdf")
@public
def year_pdf():
    """The printable year overview: every event of the year the visitor may see, by month."""
    visitor = current_visitor()
    query = CalendarQuery.from_request()
    query.view = "year"
    events, _organisers = calendar_events(query, visitor, _themes())
    document = overview.year_document(current_tenant(), query.year, events)
    return send_document(render_document_pdf(document), f"{current_tenant().slug}-{query.year}.pdf", "pdf")


def own_registration(event_id: int, visitor) -> Registration | None:
    if visitor.user is None:
        return None
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event_id,
            Registration.user_id == visitor.user.id,
            Registration.status != RegistrationStatus.CANCELLED,
        )
    )


@bp.get("/<int:event_id>")
@public
def event(event_id: int):
    visitor = current_visitor()
    facts = kept_event(event_id, visitor)  # may they see it: every request, outside the kept HTML
    key = ("events.event", event_id, person(visitor), plugin_read_only(), bool(request.args.get("paid")))
    return kept_page(key, "events/event.html", lambda: _event(event_id, visitor), title=facts.title)


def _event(event_id: int, visitor) -> dict:
    # Read by kept_event in this request unless its facts were kept (then it reads it now).
    found = loaded_event(event_id) or visible_event(event_id, visitor, with_themes=True)
    registration = own_registration(found.id, visitor)
    form_class = SignupForm if visitor.user is not None else GuestForm
    return {
        "event": found,
        "visitor": visitor,
        "registration": registration,
        "position": waiting_number(registration) if registration else None,
        "form": with_questions(form_class, found.questions)(formdata=None),
        "may_attend": services.may_attend(found, visitor),
    }
