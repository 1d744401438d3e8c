"""Events as iCalendar (RFC 5545), built with the icalendar library: one event, or a
feed of many. Times are written in Europe/Amsterdam with its VTIMEZONE, so calendar
programs show the right hour on both sides of a daylight-saving change; UIDs are
stable per event and host, so a re-imported event updates instead of doubling."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import select

from kringwerk.plugin_api import Tenant, db, external_url, unscoped, utcnow
from plugins.events.models import Event, EventState, Registration, RegistrationStatus
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


def personal_feed(user_id: int, *, name: str) -> bytes:
    """What ``user_id`` signed up for (a seat or the waiting list) in every tenant, as .ics.

    A named crossing: the registrations live in the tenants of the events; only the
    user's own rows are read, and the file is built inside the block so nothing of
    another tenant is loaded outside it."""
    statement = (
        select(Event, Tenant.slug)
        .join(Registration, (Registration.event_id == Event.id) & (Registration.tenant_id == Event.tenant_id))
        .join(Tenant, Tenant.id == Event.tenant_id)
        .where(
            Registration.user_id == user_id,
            Registration.status.in_((RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)),
        )
        .order_by(Event.starts_at, Event.id)
        .limit(1000)
    )
    with unscoped(f"events: user {user_id}'s own calendar feed of their sign-ups in every tenant"):
        rows = db.session.execute(statement).all()
        slugs = {event.id: slug for event, slug in rows}
        return to_ics(
            [event for event, _slug in rows],
            name=name,
            url_for_event=lambda event: _event_url(slugs[event.id], event.id),
        )


def _event_url(slug: str, event_id: int) -> str:
    return external_url("events.event", tenant=slug, event_id=event_id)
