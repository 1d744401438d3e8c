"""The pages: the calendar (list by month, filters, year view), an event with sign-up
(htmx) and cancelling on POST after a confirmation page, the organisers' form (422
with the error beside its field) and attendee list, and the calendar feeds parsed
back with icalendar. Tenant B's people never reach tenant A's members-only events."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.events.models import Audience, Event, EventState, Registration, RegistrationStatus
from tests.plugins.events.conftest import make_event

AMS = ZoneInfo("Europe/Amsterdam")
HTMX = {"HX-Request": "true", "HX-Target": "event-signup"}


@pytest.fixture
def calendar_events(events_world):
    a, b = events_world.a, events_world.b
    start = datetime(2027, 3, 10, 15, 0, tzinfo=AMS)
    return {
        "members": make_event(a.tenant, title="Ledenavond", starts_at=start, capacity=1),
        "public": make_event(
            a.tenant,
            title="Dag van de Ondernemer",
            starts_at=start + timedelta(days=60),
            audience=Audience.PUBLIC,
        ),
        "draft": make_event(
            a.tenant, title="Concept netwerkbijeenkomst", state=EventState.DRAFT, starts_at=start
        ),
        "b": make_event(b.tenant, title="Kring B borrel", starts_at=start),
    }


def test_the_calendar_groups_by_month_and_filters(events_world, calendar_events, login_as):
    client = login_as(events_world.a.member)
    page = client.get("/kring-a/events/?view=year&year=2027").get_data(as_text=True)
    assert "Ledenavond" in page and "Dag van de Ondernemer" in page
    assert "March 2027" in page and "May 2027" in page
    assert "Concept netwerkbijeenkomst" not in page  # a draft is for organisers
    assert "Kring B borrel" not in page
    filtered = client.get("/kring-a/events/?view=year&year=2027&audience=public").get_data(as_text=True)
    assert "Dag van de Ondernemer" in filtered and "Ledenavond" not in filtered
    admin = login_as(events_world.a.admin)
    assert "Concept netwerkbijeenkomst" in admin.get("/kring-a/events/?view=year&year=2027").get_data(
        as_text=True
    )


def test_tenant_b_and_visitors_see_only_public_events(events_world, calendar_events, client, login_as):
    anonymous = client.get("/kring-a/events/?view=year&year=2027").get_data(as_text=True)
    assert "Dag van de Ondernemer" in anonymous and "Ledenavond" not in anonymous
    members_only = calendar_events["members"]
    response = client.get(f"/kring-a/events/{members_only}")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    b_member = login_as(events_world.b.member)
    assert "Ledenavond" not in b_member.get("/kring-a/events/?view=year&year=2027").get_data(as_text=True)
    assert b_member.get(f"/kring-a/events/{members_only}").status_code == 404
    assert b_member.post(f"/kring-a/events/{members_only}/signup").status_code == 404
    assert b_member.get(f"/kring-a/events/{members_only}.ics").status_code == 404
    # A's event through B's address is not found either.
    assert b_member.get(f"/kring-b/events/{members_only}").status_code == 404
    with tenant_scope(events_world.a.tenant):
        assert db.session.query(Registration).count() == 0


def test_sign_up_with_htmx_then_waiting_list_then_cancel_on_post(events_world, calendar_events, login_as):
    a = events_world.a
    event_id = calendar_events["members"]
    client = login_as(a.member)
    response = client.post(f"/kring-a/events/{event_id}/signup", headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="event-signup"' in body and "<html" not in body and "You are signed up." in body
    again = client.post(f"/kring-a/events/{event_id}/signup", headers=HTMX)
    assert again.status_code == 409 and "already signed up" in again.get_data(as_text=True)
    other = login_as(a.admin)
    waiting = other.post(f"/kring-a/events/{event_id}/signup", headers=HTMX).get_data(as_text=True)
    assert "number 1 on the waiting list" in waiting
    member = login_as(a.member)
    confirm = member.get(f"/kring-a/events/{event_id}/cancel")
    assert confirm.status_code == 200 and "Yes, cancel my sign-up" in confirm.get_data(as_text=True)
    with tenant_scope(a.tenant):
        assert db.session.query(Registration).filter_by(status=RegistrationStatus.CONFIRMED).count() == 1
    assert member.post(f"/kring-a/events/{event_id}/cancel").status_code == 303
    with tenant_scope(a.tenant):
        statuses = {r.user_id: r.status for r in db.session.query(Registration)}
    assert statuses == {a.member.id: RegistrationStatus.CANCELLED, a.admin.id: RegistrationStatus.CONFIRMED}


def test_organisers_create_with_errors_beside_fields_and_see_attendees(events_world, login_as):
    admin = login_as(events_world.a.admin)
    bad = admin.post(
        "/kring-a/events/new",
        data={
            "title": "Back to School",
            "starts_at": "2027-04-09T16:00",
            "ends_at": "2027-04-09T15:00",
            "audience": "network",
        },
    )
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert (
        'id="ends_at-error"' in page
        and "must end after it starts" in page
        and 'value="Back to School"' in page
    )
    good = admin.post(
        "/kring-a/events/new",
        data={
            "title": "Back to School",
            "starts_at": "2027-04-09T16:00",
            "ends_at": "2027-04-09T19:00",
            "audience": "network",
            "capacity": "80",
            "partners": "MBO Rijnland, Rabobank",
            "questions": "Dieetwensen\n\nMet hoeveel personen?",
        },
    )
    assert good.status_code == 303
    with tenant_scope(events_world.a.tenant):
        event = db.session.query(Event).one()
        assert event.starts_at == datetime(2027, 4, 9, 14, 0, tzinfo=ZoneInfo("UTC"))  # summer time: UTC+2
        assert event.state == EventState.DRAFT and [q["label"] for q in event.questions] == [
            "Dieetwensen",
            "Met hoeveel personen?",
        ]
        event_id = event.id
    assert admin.post(f"/kring-a/events/{event_id}/publish").status_code == 303
    attendees = admin.get(f"/kring-a/events/{event_id}/attendees")
    assert attendees.status_code == 200 and "Attendees and waiting list" in attendees.get_data(as_text=True)
    assert login_as(events_world.a.member).get(f"/kring-a/events/{event_id}/attendees").status_code == 403
    assert login_as(events_world.b.admin).get(f"/kring-a/events/{event_id}/attendees").status_code == 404
    assert login_as(events_world.b.admin).get(f"/kring-b/events/{event_id}/edit").status_code == 404


def test_feeds_parse_back_with_uid_dtstamp_and_time_zone(events_world, calendar_events, client, login_as):
    feed = client.get("/kring-a/events/calendar.ics")
    assert feed.status_code == 200 and feed.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.data)
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Dag van de Ondernemer"]  # public only
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Amsterdam"
    only = events[0]
    assert only["UID"] and only["DTSTAMP"]
    assert only.decoded("DTSTART") == datetime(2027, 5, 9, 15, 0, tzinfo=AMS)
    member = login_as(events_world.a.member)
    single = Calendar.from_ical(member.get(f"/kring-a/events/{calendar_events['members']}.ics").data)
    assert [str(e["SUMMARY"]) for e in single.walk("VEVENT")] == ["Ledenavond"]
    b_feed = Calendar.from_ical(client.get("/kring-b/events/calendar.ics").data)
    assert b_feed.walk("VEVENT") == []  # B's feed holds none of A's events (and B's own is members-only)


def test_a_guest_signs_up_and_confirms_by_the_link(app, events_world, calendar_events, client):
    public = calendar_events["public"]
    response = client.post(
        f"/kring-a/events/{public}/signup",
        data={"name": "Gerda Gast", "email": "gerda@gastbedrijf.nl"},
        headers=HTMX,
    )
    assert response.status_code == 200 and "confirm your sign-up with the link" in response.get_data(
        as_text=True
    )
    bad = client.post(f"/kring-a/events/{public}/signup", data={"name": "", "email": "nope"}, headers=HTMX)
    assert bad.status_code == 422
    with tenant_scope(events_world.a.tenant):
        registration = db.session.query(Registration).one()
        assert registration.status == RegistrationStatus.PENDING
        from plugins.events.signup import issue_token

        raw = issue_token("events.guest_confirm", registration.id)
        db.session.commit()
    assert client.get(f"/kring-a/events/confirm/{raw}").status_code == 200
    with tenant_scope(events_world.a.tenant):
        assert (
            db.session.query(Registration).one().status == RegistrationStatus.PENDING
        )  # GET changes nothing
    assert client.get(f"/kring-b/events/confirm/{raw}").status_code == 404
    done = client.post(f"/kring-a/events/confirm/{raw}")
    assert done.status_code == 200 and "you are signed up" in done.get_data(as_text=True)
    assert client.post(f"/kring-a/events/confirm/{raw}").status_code == 404


def test_month_view_organiser_filter_and_the_printable_year(events_world, calendar_events, login_as):
    client = login_as(events_world.a.member)
    march = client.get("/kring-a/events/?view=month&year=2027&month=3").get_data(as_text=True)
    assert "Ledenavond" in march and "Dag van de Ondernemer" not in march  # that one is in May
    with tenant_scope(events_world.a.tenant):
        db.session.get(Event, calendar_events["public"]).organiser = "Gemeente Leidschendam-Voorburg"
        db.session.commit()
    year = "/kring-a/events/?view=year&year=2027"
    page = client.get(year).get_data(as_text=True)
    assert '<option value="Gemeente Leidschendam-Voorburg"' in page
    by_municipality = client.get(year + "&organiser=Gemeente+Leidschendam-Voorburg").get_data(as_text=True)
    assert "Dag van de Ondernemer" in by_municipality and "Ledenavond" not in by_municipality
    assert client.get("/kring-a/events/?view=month&year=2027&month=13").status_code == 404
    pdf = client.get("/kring-a/events/year.pdf?year=2027")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    from pypdf import PdfReader

    def pdf_text(data):  # table cells wrap at spaces (never hyphenated): read lines as one text
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
        return " ".join(text.replace("\u2010\n", "").split())

    text = pdf_text(pdf.data)
    assert "Ledenavond" in text and "Dag van de Ondernemer" in text
    assert "Kring B borrel" not in text and "Concept netwerkbijeenkomst" not in text
    b_pdf = login_as(events_world.b.member).get("/kring-a/events/year.pdf?year=2027")
    b_text = pdf_text(b_pdf.data)
    assert "Ledenavond" not in b_text and "Dag van de Ondernemer" in b_text  # public only


def test_the_calendar_costs_the_same_statements_for_few_and_many_events(app, events_world, login_as):
    from sqlalchemy import event as sqlalchemy_event

    app.config["KEEP_PAGE_DATA"] = False  # what it costs to build (test_kept_pages: kept)
    client = login_as(events_world.a.member)
    start = datetime(2028, 1, 5, 16, 0, tzinfo=AMS)

    def statements() -> int:
        seen = []

        def count(*_):
            seen.append(1)

        sqlalchemy_event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/kring-a/events/?view=year&year=2028").status_code == 200
        finally:
            sqlalchemy_event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    for number in range(3):
        make_event(
            events_world.a.tenant, title=f"Bijeenkomst {number}", starts_at=start + timedelta(days=number)
        )
    statements()  # the first request fills the core's per-process caches (tenant, plugins)
    few = statements()
    for number in range(3, 40):
        make_event(
            events_world.a.tenant, title=f"Bijeenkomst {number}", starts_at=start + timedelta(days=number * 7)
        )
    make_event(events_world.b.tenant, title="Kring B", starts_at=start)
    assert statements() == few
