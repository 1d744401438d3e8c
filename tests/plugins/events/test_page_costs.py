"""What the public event page and the calendar cost per request (issue 15), and that the
cheaper reads show the same: the event and its themes in one statement, nothing written
or locked on a GET; the calendar's own and shared events as plain rows (one statement
each, one named crossing for the network's), whatever their number. Tenant B's events and
themes never reach A's pages; Kring B, out of the network, shares none."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.members.models import Theme
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Tenant
from plugins.events import forms, services
from plugins.events import views as events_views
from plugins.events.models import Audience, Event, EventState
from plugins.events.services import LOCAL, CalendarEvent, Visitor, shared_events
from tests.members.support import count_queries
from tests.plugins.events.conftest import make_event
from tests.plugins.events.test_network import network  # noqa: F401 (the fixture)

WRITES = ("INSERT", "UPDATE", "DELETE", "FOR UPDATE", "BEGIN IMMEDIATE", "LOCK")


def _themes(tenant, count: int) -> list[int]:
    with tenant_scope(tenant):
        return list(
            db.session.scalars(
                select(Theme.id).where(Theme.active.is_(True)).order_by(Theme.position).limit(count)
            )
        )


def _give_themes(tenant, event_id: int, theme_ids: list[int]) -> None:
    with tenant_scope(tenant):
        event = db.session.get(Event, event_id)
        event.themes = [db.session.get(Theme, theme_id) for theme_id in theme_ids]
        db.session.commit()


def _event_statements(statements: list[str]) -> list[str]:
    return [s for s in statements if "FROM events" in s or "event_themes" in s]


@pytest.mark.both_databases
def test_the_public_event_page_reads_the_event_and_its_themes_in_one_statement(app, events_world, client):
    app.config["KEEP_PAGE_DATA"] = False  # what it costs to build (test_kept_pages: kept)
    w = events_world
    plain = make_event(w.a.tenant, title="Open avond", audience=Audience.PUBLIC, capacity=40)
    _give_themes(w.a.tenant, plain, _themes(w.a.tenant, 1))
    rich = make_event(
        w.a.tenant,
        title="Open dag",
        audience=Audience.PUBLIC,
        questions=[{"key": "q1", "label": "Dieetwensen"}, {"key": "q2", "label": "Parkeren"}],
    )
    theme_ids = _themes(w.a.tenant, 5)
    _give_themes(w.a.tenant, rich, list(reversed(theme_ids)))
    b_event = make_event(w.b.tenant, title="Open avond B", audience=Audience.PUBLIC)
    _give_themes(w.b.tenant, b_event, _themes(w.b.tenant, 2))
    event_statement = events_views._event_statement
    event_statement.cache_clear()
    assert client.get(f"/kring-a/events/{plain}").status_code == 200  # the core's caches filled
    with count_queries() as few:
        assert client.get(f"/kring-a/events/{plain}").status_code == 200
    with count_queries() as many:
        page = client.get(f"/kring-a/events/{rich}").get_data(as_text=True)
    assert len(few) == len(many)
    assert len(_event_statements(few)) == len(_event_statements(many)) == 1  # was two: event, themes
    assert event_statement.cache_info().misses == 1  # the event's SELECT built once, for every event
    with tenant_scope(w.a.tenant):
        names = [db.session.get(Theme, theme_id).name_en for theme_id in theme_ids]
    positions = [page.index(f'<span class="badge">{name}</span>') for name in names]
    assert positions == sorted(positions)  # the themes in their position order, as before
    assert "Dieetwensen" in page and "Open avond B" not in page
    assert client.get(f"/kring-a/events/{b_event}").status_code in (302, 404)  # B's id under A: not found


@pytest.mark.both_databases
def test_reading_an_event_writes_and_locks_nothing(app, events_world, login_as):
    """A GET of the event page (signed out, and a member with a seat) sends only SELECTs:
    no write, no row lock, no write transaction another request could wait for."""
    w = events_world
    event_id = make_event(w.a.tenant, title="Open avond", audience=Audience.PUBLIC, capacity=1)
    member = login_as(w.a.member)
    assert member.post(f"/kring-a/events/{event_id}/signup").status_code in (200, 303)
    guest = app.test_client()
    for visitor in (guest, member):
        # Built after the sign-up (a write), then kept: read with no statement through SQLAlchemy.
        with count_queries() as built:
            assert visitor.get(f"/kring-a/events/{event_id}").status_code == 200
        with count_queries() as kept:
            assert visitor.get(f"/kring-a/events/{event_id}").status_code == 200
        assert built and not [s for s in built if s.lstrip().upper().startswith(WRITES)]
        assert not [s for s in built if "FOR UPDATE" in s.upper()]
        assert kept == []
    page = guest.get(f"/kring-a/events/{event_id}").get_data(as_text=True)
    assert "0 of 1 seats left." in page and "Join the waiting list" in page  # a guest's sign-up form
    assert "You are signed up." in member.get(f"/kring-a/events/{event_id}").get_data(as_text=True)


@pytest.mark.both_databases
def test_the_calendar_costs_the_same_for_few_and_many_own_and_shared_events(
    events_world,
    network,  # noqa: F811
    login_as,
    caplog,
    app,
):
    app.config["KEEP_PAGE_DATA"] = False  # what it costs to build (test_kept_pages: kept)
    w = events_world
    start = datetime(2028, 1, 5, 16, 0, tzinfo=LOCAL)
    client = login_as(w.a.member)
    url = "/kring-a/events/?view=year&year=2028"

    def add(tenant, first, last, **values):
        for number in range(first, last):
            make_event(
                tenant, title=f"{tenant.slug} {number}", starts_at=start + timedelta(days=number), **values
            )

    add(w.a.tenant, 0, 3)
    add(network.cleantech, 0, 3, audience=Audience.NETWORK)
    assert client.get(url).status_code == 200
    with count_queries() as few:
        assert client.get(url).status_code == 200
    add(w.a.tenant, 3, 30)
    add(network.cleantech, 3, 30, audience=Audience.NETWORK)
    make_event(network.cleantech, title="Bestuur netwerk", starts_at=start)  # members only: stays home
    make_event(w.b.tenant, title="Kring B netwerk", starts_at=start, audience=Audience.NETWORK)  # B left
    caplog.set_level(logging.DEBUG, logger="kringwerk.tenancy")  # INFO only the first time per process
    with count_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert len(few) == len(many)
    assert len(_event_statements(many)) == 2  # the own events, the shared ones: plain rows
    assert page.count("kring-a ") == 30 and page.count("cleantech ") == 30
    assert page.count("/cleantech/events/") >= 30 and "Bestuur netwerk" not in page
    assert "Kring B netwerk" not in page
    crossings = [r.getMessage() for r in caplog.records if r.getMessage().startswith("unscoped access")]
    # One named crossing of the plugin's for the network's events; the core names its own
    # (the networks Kring A is in).
    assert len([m for m in crossings if "events: the network-wide events" in m]) == 1
    assert len(crossings) <= 2


@pytest.mark.both_databases
def test_shared_events_are_plain_rows_and_leave_no_other_tenant_in_the_session(
    events_world,
    network,  # noqa: F811
):
    w = events_world
    shared = make_event(network.cleantech, title="Zomerborrel", audience=Audience.NETWORK, capacity=3)
    make_event(network.cleantech, title="Concept", audience=Audience.NETWORK, state=EventState.DRAFT)
    loaded = []

    def on_load(target, _context):
        loaded.append(target)

    sqlalchemy_event.listen(Event, "load", on_load)
    try:
        with tenant_scope(w.a.tenant):
            visitor = Visitor(user=w.a.member, member=True)
            found = shared_events(w.a.tenant, visitor, upcoming_from=datetime.now(LOCAL))
    finally:
        sqlalchemy_event.remove(Event, "load", on_load)
    assert [(e.id, e.title, e.tenant_slug, e.shared, e.seats_left) for e in found] == [
        (shared, "Zomerborrel", "cleantech", True, 3)
    ]
    assert isinstance(found[0], CalendarEvent) and found[0].organiser == "Cleantech Regio"
    assert loaded == []  # nothing of the network's loaded as an entity into A's session
    b_tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "kring-b"))
    with tenant_scope(b_tenant):  # Kring B left the network: nothing shared with it
        assert shared_events(b_tenant, Visitor(member=True)) == []


def test_an_event_without_questions_uses_the_form_class_itself():
    assert forms.with_questions(forms.GuestForm, []) is forms.GuestForm
    assert forms.with_questions(forms.GuestForm, None) is forms.GuestForm
    extended = forms.with_questions(forms.GuestForm, [{"key": "q1", "label": "Dieet"}])
    assert extended is not forms.GuestForm and hasattr(extended, "q1") and not hasattr(forms.GuestForm, "q1")


@pytest.mark.both_databases
def test_the_calendar_filters_own_and_shared_events_by_theme_and_audience(
    events_world,
    network,  # noqa: F811
    login_as,
):
    """The network's events are filtered by the theme of the same key (themes are per tenant)
    and by audience, in the upcoming list and in a year; the statement for each combination
    of filters is built once per process."""
    w = events_world
    start = datetime(2028, 3, 1, 19, 0, tzinfo=LOCAL)
    with tenant_scope(w.a.tenant):
        a_energy, a_other = db.session.execute(
            select(Theme.id, Theme.key).where(Theme.active.is_(True)).order_by(Theme.position).limit(2)
        ).all()
    with tenant_scope(network.cleantech):
        c_energy = db.session.scalar(select(Theme.id).where(Theme.key == a_energy.key))
        c_other = db.session.scalar(select(Theme.id).where(Theme.key == a_other.key))
    own = make_event(w.a.tenant, title="Eigen energie", starts_at=start)
    _give_themes(w.a.tenant, own, [a_energy.id])
    make_event(w.a.tenant, title="Eigen anders", starts_at=start)
    shared_energy = make_event(
        network.cleantech, title="Netwerk energie", starts_at=start, audience=Audience.NETWORK
    )
    _give_themes(network.cleantech, shared_energy, [c_energy])
    shared_public = make_event(
        network.cleantech, title="Netwerk open", starts_at=start, audience=Audience.PUBLIC
    )
    _give_themes(network.cleantech, shared_public, [c_other])
    client = login_as(w.a.member)
    shared_statement, own_statement = services._shared_statement, services._own_statement
    shared_statement.cache_clear()
    own_statement.cache_clear()
    for query in ("", "?view=year&year=2028"):
        joiner = "&" if query else "?"
        page = client.get(f"/kring-a/events/{query}{joiner}theme={a_energy.id}").get_data(as_text=True)
        assert "Eigen energie" in page and "Netwerk energie" in page
        assert "Eigen anders" not in page and "Netwerk open" not in page
        page = client.get(f"/kring-a/events/{query}{joiner}audience=public").get_data(as_text=True)
        assert "Netwerk open" in page and "Netwerk energie" not in page and "Eigen energie" not in page
        page = client.get(f"/kring-a/events/{query}").get_data(as_text=True)
        assert all(
            title in page for title in ("Eigen energie", "Eigen anders", "Netwerk energie", "Netwerk open")
        )
    built = shared_statement.cache_info()
    assert (built.misses, built.currsize) == (4, 4)  # upcoming/year, with and without a theme
    assert own_statement.cache_info().misses == 6  # upcoming/year; by theme, by audience, neither
    client.get(f"/kring-a/events/?theme={a_energy.id}")
    assert shared_statement.cache_info().misses == 4  # the same filters: the same statements
    assert own_statement.cache_info().misses == 6
    b_page = login_as(w.b.member).get("/kring-b/events/?view=year&year=2028").get_data(as_text=True)
    assert "Netwerk" not in b_page and "Eigen" not in b_page  # Kring B left the network
