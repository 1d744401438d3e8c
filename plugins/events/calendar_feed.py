"""Events as iCalendar (RFC 5545), built with the icalendar library: one event, or a
feed of many. Times are written in Europe/Amsterdam with its VTIMEZONE, so calendar
programs show the right hour on both sides of a daylight-saving change; UIDs are
stable per event and host, so a re-imported event updates instead of doubling."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from kringwerk.plugin_api import utcnow
from plugins.events.models import EventState
from plugins.events.services import LOCAL


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Kringwerk//events//NL")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Amsterdam")
    return calendar


def uid(event) -> str:
    host = urlsplit(current_app.config.get("BASE_URL") or "http://localhost").hostname or "kringwerk"
    return f"event-{event.tenant_id}-{event.id}@{host}"


def _component(event, url: str | None) -> CalendarEvent:
    component = CalendarEvent()
    component.add("uid", uid(event))
    component.add("dtstamp", utcnow())
    component.add("dtstart", event.starts_at.astimezone(LOCAL))
    component.add("dtend", event.ends_at.astimezone(LOCAL))
    component.add("summary", event.title)
    if event.description:
        component.add("description", event.description)
    location = event.venue or event.online_url
    if location:
        component.add("location", location)
    if url:
        component.add("url", url)
    if event.organiser:
        component.add("x-kringwerk-organiser", event.organiser)
    component.add("status", "CANCELLED" if event.state == EventState.CANCELLED else "CONFIRMED")
    component.add("last-modified", event.updated_at)
    return component


def to_ics(events, *, name: str, url_for_event=None) -> bytes:
    """The events as one .ics file (``url_for_event(event)`` gives each its page)."""
    calendar = _calendar(name)
    for event in events:
        calendar.add_component(_component(event, url_for_event(event) if url_for_event else None))
    calendar.add_missing_timezones()
    return calendar.to_ical()
