"""The month view is a grid: a captioned table of weeks from Monday (weekday names through
Babel, Dutch where the tenant speaks Dutch), each event in its local start day's cell,
links to the previous and next month; tenant B's events never appear in A's grid."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from kringwerk.extensions import db
from plugins.events.models import EventState
from plugins.events.month import month_grid
from tests.plugins.events.conftest import make_event
from tests.web.conftest import Page

AMS = ZoneInfo("Europe/Amsterdam")


def _cells(html: str) -> dict[str, str]:
    return dict(re.findall(r'<td data-date="([\d-]+)"[^>]*>(.*?)</td>', html, flags=re.S))


def test_the_grid_starts_on_monday_and_covers_whole_weeks(app):
    with app.test_request_context():
        grid = month_grid(2027, 5, [])
    assert grid.weeks[0][0].date == date(2027, 4, 26) and not grid.weeks[0][0].in_month
    assert grid.weeks[-1][0].date == date(2027, 5, 31) and len(grid.weeks) == 6
    assert all(len(week) == 7 and week[0].date.weekday() == 0 for week in grid.weeks)
    assert grid.previous == (2027, 4) and month_grid(2027, 12, []).following == (2028, 1)


def test_events_sit_in_their_day_cells(events_world, login_as):
    a, b = events_world.a, events_world.b
    make_event(a.tenant, title="Ledenavond", starts_at=datetime(2027, 5, 12, 19, 30, tzinfo=AMS))
    # Late in the evening in Amsterdam, already the next day in UTC: the local day counts.
    make_event(a.tenant, title="Nachtcafé", starts_at=datetime(2027, 5, 31, 23, 30, tzinfo=AMS))
    make_event(
        a.tenant, title="Concept", state=EventState.DRAFT, starts_at=datetime(2027, 5, 3, 10, tzinfo=AMS)
    )
    make_event(b.tenant, title="Kring B borrel", starts_at=datetime(2027, 5, 12, 19, 30, tzinfo=AMS))
    client = login_as(a.member)
    html = client.get("/kring-a/events/?view=month&year=2027&month=5").get_data(as_text=True)
    grid = Page(html)
    assert "<caption>May 2027</caption>" in html
    headers = re.findall(r'<th scope="col"><abbr title="(\w+)">', html)
    assert headers == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    cells = _cells(html)
    assert len(cells) == 42 and list(cells)[0] == "2027-04-26"
    assert "Ledenavond" in cells["2027-05-12"] and "19:30" in cells["2027-05-12"]
    assert "Nachtcafé" in cells["2027-05-31"] and "Nachtcafé" not in cells.get("2027-06-01", "")
    assert not any("Concept" in cell for cell in cells.values())  # a draft is for organisers
    assert "Kring B borrel" not in html
    assert [d for d, cell in cells.items() if "<li>" in cell] == ["2027-05-12", "2027-05-31"]
    assert grid.find("td", class_="month-grid__cell--other")  # April's and June's days, greyed
    assert "view=month&amp;year=2027&amp;month=4" in html and "view=month&amp;year=2027&amp;month=6" in html
    # Linked with its content hash (kringwerk.web.static), kept a year by browsers.
    assert re.search(
        r'<link rel="stylesheet" href="/kring-a/events/static/events\.css\?v=[0-9a-f]{12}">', html
    )
    assert client.get("/kring-a/events/static/events.css").status_code == 200

    b_html = login_as(b.member).get("/kring-b/events/?view=month&year=2027&month=5").get_data(as_text=True)
    assert "Kring B borrel" in _cells(b_html)["2027-05-12"] and "Ledenavond" not in b_html

    a.tenant.default_locale = "nl"
    db.session.commit()
    dutch = login_as(a.member).get("/kring-a/events/?view=month&year=2027&month=5").get_data(as_text=True)
    assert "<caption>mei 2027</caption>" in dutch
    assert re.findall(r'<abbr title="(\w+)">', dutch)[:2] == ["maandag", "dinsdag"]


def test_an_event_of_several_days_sits_in_every_day_it_spans(app):
    from types import SimpleNamespace

    fair = SimpleNamespace(
        starts_at=datetime(2027, 5, 10, 9, 0, tzinfo=AMS), ends_at=datetime(2027, 5, 12, 17, 0, tzinfo=AMS)
    )
    evening = SimpleNamespace(
        starts_at=datetime(2027, 5, 20, 19, 0, tzinfo=AMS), ends_at=datetime(2027, 5, 21, 0, 0, tzinfo=AMS)
    )
    with app.test_request_context():
        grid = month_grid(2027, 5, [fair, evening])
    days_with = {day.date.day: day.events for week in grid.weeks for day in week if day.in_month}
    assert [day for day, found in days_with.items() if fair in found] == [10, 11, 12]
    assert [day for day, found in days_with.items() if evening in found] == [
        20
    ]  # the night stays on its evening


def test_an_event_from_the_month_before_shows_on_its_days_in_this_month(events_world, login_as):
    a, b = events_world.a, events_world.b
    make_event(
        a.tenant,
        title="Bedrijvenbeurs",
        starts_at=datetime(2027, 4, 30, 10, tzinfo=AMS),
        ends_at=datetime(2027, 5, 2, 17, tzinfo=AMS),
    )
    make_event(b.tenant, title="Kring B beurs", starts_at=datetime(2027, 5, 1, 10, tzinfo=AMS))
    html = login_as(a.member).get("/kring-a/events/?view=month&year=2027&month=5").get_data(as_text=True)
    cells = _cells(html)
    assert [d for d, cell in cells.items() if "Bedrijvenbeurs" in cell] == [
        "2027-04-30",
        "2027-05-01",
        "2027-05-02",
    ]
    assert "Kring B beurs" not in html
