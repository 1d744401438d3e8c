"""The calendar's and an event page's content kept as rendered HTML until the next write.

Between two writes anywhere (a sign-up, an edit, another tenant's new network event) the
content of these pages is the same for everyone who sees it alike, so each process renders
it once (``remembered_html``) and serves it around a fresh page shell: the shell (header,
navigation, flashed messages, the visitor's CSRF token) is built on every request. The key
of each kept part names what it depends on besides the data, the tenant and the locale: the
view and its arguments, the person (or None for everyone signed out), whether the plugin is
read-only; the upcoming list's minute is its version (see ``calendar.CalendarQuery``): a
new minute replaces the entry rather than adding one.

What decides whether the visitor may see a page (``kept_event``: the event's state and
audience, kept as plain values) is checked on every request, outside the kept HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from flask import abort, current_app, g, make_response, render_template

from kringwerk.plugin_api import remember, remembered_html, render_block, wants_fragment
from plugins.events.models import Audience, EventState
from plugins.events.services import may_see
from plugins.events.views import load_event

PAGE = "events/kept_page.html"
_NO_EVENT = ()  # kept for an id with no event (None is never kept)
_LOADED = "events.loaded_events"  # in g: events kept_event read in this request


@dataclass(frozen=True)
class EventFacts:
    """What an event page needs before its content: the audience rule's inputs and the title."""

    id: int
    title: str
    state: EventState
    audience: Audience


def kept_event(event_id: int, visitor) -> EventFacts:
    """The event's facts if ``visitor`` may see it, with ``visible_event``'s answers otherwise
    (404, or signing in first for a visitor who is not signed in); kept until the next write."""
    facts = remember(("events.facts", event_id), lambda: _facts(event_id))
    if not isinstance(facts, EventFacts) or not may_see(facts, visitor):
        if visitor.user is None:
            abort(current_app.login_manager.unauthorized())
        abort(404)
    return facts


def _facts(event_id: int) -> EventFacts | tuple:
    # The whole event with its themes, as the page's content reads it (one statement when
    # nothing is kept): its content, built next in this request, takes it from here.
    event = load_event(event_id, with_themes=True)
    if event is None:
        return _NO_EVENT
    g.setdefault(_LOADED, {})[event_id] = event
    return EventFacts(event.id, event.title, event.state, event.audience)


def loaded_event(event_id: int):
    """The event ``kept_event`` read in this request, if it read one (else None)."""
    return g.get(_LOADED, {}).get(event_id)


def kept_page(
    key: Hashable,
    template_name: str,
    context: Callable[[], dict],
    *,
    title: str,
    block=None,
    version: Hashable = None,
):
    """``template_name``'s content around a fresh shell, or only ``block`` for an htmx fragment
    request (as ``page_or_block``), the rendered part kept under ``key`` (and ``version``: the
    minute where it depends on the clock); ``context()`` gives the template's values, called
    only when it is rendered."""
    part = block if block is not None and wants_fragment() else "content"
    html = remembered_html((*key, part), lambda: render_block(template_name, part, **context()), version)
    if part == "content":
        response = make_response(render_template(PAGE, title=title, body=html))
    else:
        response = make_response(html)
    if block is not None:
        response.vary.add("HX-Request")  # one URL answers a page or a fragment
    return response
