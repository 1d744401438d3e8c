"""The event page, the calendar and the feeds kept as rendered HTML until the next write
(issue 15, ``views/kept.py``): a warm request builds nothing and reads only the stamps; a
sign-up through the app, a change from another worker and another tenant's new network
event show at the next GET; the signed-out page is shared by every visitor signed out, a
signed-in person's own version reaches nobody else; the upcoming list follows the minute;
reading writes nothing. Tenant B's events never reach Kring A's pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from kringwerk.extensions import db, utcnow
from kringwerk.tenancy import cache, tenant_scope
from kringwerk.tenancy.cache import DATA_STAMP_ID, CacheStamp
from plugins.events.models import Audience, Event, EventState
from plugins.events.services import LOCAL
from plugins.events.views import calendar as calendar_views
from tests.conftest import login
from tests.members.support import count_queries
from tests.plugins.events.conftest import make_event
from tests.plugins.events.test_network import network  # noqa: F401 (the fixture)
from tests.tenancy.test_data_cache import in_another_worker


def builds(app) -> int:
    return app.extensions[cache.EXTENSION_KEY].builds


@dataclass
class Reads:
    statements: list[str]  # run through SQLAlchemy
    stamps: int  # reads of the cache stamps (before the session begins: the driver alone)


def data_stamp() -> str:
    value = db.session.scalar(select(CacheStamp.value).where(CacheStamp.id == DATA_STAMP_ID))
    db.session.rollback()
    return value


def signed_in(app, user):
    client = app.test_client()
    login(client, user)
    return client


def change(tenant, event_id: int, **values) -> None:
    with tenant_scope(tenant):
        event = db.session.get(Event, event_id)
        for name, value in values.items():
            setattr(event, name, value)
        db.session.commit()


def warm(app, client, url: str) -> tuple[str, Reads, int]:
    """GET ``url`` twice; the second answer's text, what it read and what it built."""
    assert client.get(url).status_code == 200, url
    state = app.extensions[cache.EXTENSION_KEY]
    before, stamps = builds(app), state.stamps_read
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return (
        response.get_data(as_text=True),
        Reads(statements, state.stamps_read - stamps),
        builds(app) - before,
    )


def only_stamps(reads: Reads) -> bool:
    """What a warm page reads: the stamps, once, as the page shell alone does, with the
    driver alone (``tenancy/cache.py``): no statement through SQLAlchemy."""
    return reads.statements == [] and reads.stamps == 1


@pytest.mark.both_databases
def test_a_warm_public_event_page_reads_nothing_but_the_stamps_and_is_shared_signed_out(app, events_world):
    w = events_world
    event_id = make_event(w.a.tenant, title="Open avond", audience=Audience.PUBLIC, capacity=2)
    b_event = make_event(w.b.tenant, title="Open avond B", audience=Audience.PUBLIC)
    url = f"/kring-a/events/{event_id}"
    page, statements, built = warm(app, app.test_client(), url)
    assert built == 0 and only_stamps(statements)
    assert "Open avond" in page and "2 of 2 seats left." in page and "Open avond B" not in page
    # Another visitor signed out gets the same kept page, with their own CSRF token.
    other = app.test_client()
    before = builds(app)
    assert "2 of 2 seats left." in other.get(url).get_data(as_text=True)
    assert builds(app) == before
    # B's event under A's address stays out of reach, every time.
    for _ in range(2):
        assert app.test_client().get(f"/kring-a/events/{b_event}").status_code == 302


@pytest.mark.both_databases
def test_the_access_check_runs_on_every_request_and_follows_a_change(app, events_world):
    w = events_world
    event_id = make_event(w.a.tenant, title="Ledenavond", capacity=5)  # members only
    guest, member = app.test_client(), signed_in(app, w.a.member)
    b_member = signed_in(app, w.b.member)
    url = f"/kring-a/events/{event_id}"
    for _ in range(2):
        assert guest.get(url).status_code == 302  # sign in first
        assert b_member.get(url).status_code == 404
        assert member.get(url).status_code == 200
    change(w.a.tenant, event_id, audience=Audience.PUBLIC)
    assert "Ledenavond" in guest.get(url).get_data(as_text=True)
    change(w.a.tenant, event_id, state=EventState.DRAFT)
    assert member.get(url).status_code == 404  # a draft: organisers only
    assert signed_in(app, w.a.admin).get(url).status_code == 200


@pytest.mark.both_databases
def test_a_sign_up_shows_at_the_next_get_to_each_their_own_version(app, events_world):
    w = events_world
    event_id = make_event(w.a.tenant, title="Open avond", audience=Audience.PUBLIC, capacity=2)
    url = f"/kring-a/events/{event_id}"
    guest, member, admin = app.test_client(), signed_in(app, w.a.member), signed_in(app, w.a.admin)
    for client in (guest, member, admin):
        assert "2 of 2 seats left." in client.get(url).get_data(as_text=True)
    assert member.post(f"{url}/signup").status_code == 200  # the app's own write
    mine = member.get(url).get_data(as_text=True)
    assert "1 of 2 seats left." in mine and "You are signed up." in mine and "Cancel my sign-up" in mine
    for client in (guest, admin):
        page = client.get(url).get_data(as_text=True)
        assert "1 of 2 seats left." in page
        assert "You are signed up." not in page and "Cancel my sign-up" not in page
    organiser = admin.get(url).get_data(as_text=True)
    assert "For organisers" in organiser  # kept per person: the admin's buttons...
    assert "For organisers" not in member.get(url).get_data(as_text=True)  # ...never the member's
    assert "For organisers" not in guest.get(url).get_data(as_text=True)
    second = signed_in(app, w.a.facilitator)
    assert "Join the waiting list" not in second.get(url).get_data(as_text=True)
    assert second.post(f"{url}/signup").status_code == 200
    assert "Join the waiting list" in admin.get(url).get_data(as_text=True)  # now full
    assert "0 of 2 seats left." in guest.get(url).get_data(as_text=True)


@pytest.mark.both_databases
def test_a_change_from_another_worker_shows_on_the_event_page_and_the_calendar(app, app_config, events_world):
    w = events_world
    event_id = make_event(w.a.tenant, title="Open avond", audience=Audience.PUBLIC, capacity=2)
    guest, member = app.test_client(), signed_in(app, w.a.member)
    assert "Open avond" in guest.get(f"/kring-a/events/{event_id}").get_data(as_text=True)
    assert "Open avond" in member.get("/kring-a/events/").get_data(as_text=True)
    tenant_id = w.a.tenant.id

    def rename():
        from kringwerk.tenancy.models import Tenant

        with tenant_scope(db.session.get(Tenant, tenant_id)):
            event = db.session.get(Event, event_id)
            event.title, event.capacity = "Open dag", 30
            db.session.flush()  # in the scope; the other worker commits it

    in_another_worker(app_config, rename)
    page = guest.get(f"/kring-a/events/{event_id}").get_data(as_text=True)
    assert "Open dag" in page and "30 of 30 seats left." in page and "Open avond" not in page
    calendar = member.get("/kring-a/events/").get_data(as_text=True)
    assert "Open dag" in calendar and "Open avond" not in calendar


@pytest.mark.both_databases
def test_a_warm_calendar_reads_nothing_but_the_stamps_and_shows_a_new_network_event(
    app,
    events_world,
    network,  # noqa: F811
):
    w = events_world
    start = utcnow() + timedelta(days=10)
    make_event(w.a.tenant, title="Eigen avond", starts_at=start)
    make_event(network.cleantech, title="Netwerkavond", starts_at=start, audience=Audience.NETWORK)
    make_event(w.b.tenant, title="Kring B avond", starts_at=start, audience=Audience.NETWORK)
    member = signed_in(app, w.a.member)
    page, statements, built = warm(app, member, "/kring-a/events/")
    assert built == 0 and only_stamps(statements)
    assert "Eigen avond" in page and "Netwerkavond" in page and "Kring B avond" not in page
    # A network's person from another association: who they are here is kept too.
    c_member = signed_in(app, network.kring_c_member)
    page, statements, built = warm(app, c_member, "/cleantech/events/")
    assert built == 0 and only_stamps(statements) and "Netwerkavond" in page
    # A network event added in another tenant (a write anywhere) shows at the next GET.
    make_event(network.cleantech, title="Tweede netwerkavond", starts_at=start, audience=Audience.NETWORK)
    assert "Tweede netwerkavond" in member.get("/kring-a/events/").get_data(as_text=True)
    b_page = signed_in(app, w.b.member).get("/kring-b/events/").get_data(as_text=True)
    assert "Kring B avond" in b_page and "Netwerkavond" not in b_page and "Tweede" not in b_page


@pytest.mark.both_databases
def test_the_calendar_is_kept_per_person_and_per_view(app, events_world):
    w = events_world
    start = utcnow() + timedelta(days=10)
    make_event(w.a.tenant, title="Concept avond", starts_at=start, state=EventState.DRAFT)
    make_event(w.a.tenant, title="Ledenavond", starts_at=start)
    admin, member, guest = signed_in(app, w.a.admin), signed_in(app, w.a.member), app.test_client()
    for _ in range(2):
        organiser = admin.get("/kring-a/events/").get_data(as_text=True)
        assert "Concept avond" in organiser and "New event" in organiser
        page = member.get("/kring-a/events/").get_data(as_text=True)
        assert "Ledenavond" in page and "Concept avond" not in page and "New event" not in page
        assert "Ledenavond" not in guest.get("/kring-a/events/").get_data(as_text=True)
    year = datetime.now(LOCAL).year
    assert f"Year {year}" in member.get(f"/kring-a/events/?view=year&year={year}").get_data(as_text=True)
    fragment = member.get("/kring-a/events/", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True) and "Ledenavond" in fragment.get_data(as_text=True)
    full = member.get("/kring-a/events/")
    assert "<html" in full.get_data(as_text=True) and "HX-Request" in full.headers["Vary"]


@pytest.mark.both_databases
def test_the_upcoming_list_follows_the_minute_without_a_write(app, events_world, monkeypatch):
    """An event that has ended leaves the upcoming list in the next minute, though nothing
    was written: the list is kept per minute (a month or a year per its dates)."""
    w = events_world
    ends = (utcnow() + timedelta(hours=2)).replace(second=0, microsecond=0)
    make_event(w.a.tenant, title="Middagsessie", starts_at=ends - timedelta(hours=1), ends_at=ends)
    member = signed_in(app, w.a.member)
    now = {"at": ends - timedelta(seconds=30)}
    monkeypatch.setattr(calendar_views, "utcnow", lambda: now["at"])
    assert "Middagsessie" in member.get("/kring-a/events/").get_data(as_text=True)
    before = builds(app)
    now["at"] = ends - timedelta(seconds=5)  # the same minute: kept
    assert "Middagsessie" in member.get("/kring-a/events/").get_data(as_text=True)
    assert builds(app) == before
    kept = len(app.extensions[cache.EXTENSION_KEY].data_generation.entries)
    now["at"] = ends + timedelta(minutes=1)
    assert "Middagsessie" not in member.get("/kring-a/events/").get_data(as_text=True)
    assert builds(app) > before
    # The minute is the kept page's version: the new minute's page replaces the old one.
    assert len(app.extensions[cache.EXTENSION_KEY].data_generation.entries) == kept


@pytest.mark.both_databases
def test_the_feeds_are_kept_until_a_write_and_reading_writes_nothing(app, events_world):
    w = events_world
    event_id = make_event(w.a.tenant, title="Open avond", audience=Audience.PUBLIC)
    make_event(w.b.tenant, title="Open avond B", audience=Audience.PUBLIC)
    guest, member = app.test_client(), signed_in(app, w.a.member)
    stamp = data_stamp()
    for client, url in (
        (guest, "/kring-a/events/calendar.ics"),
        (guest, f"/kring-a/events/{event_id}.ics"),
        (guest, f"/kring-a/events/{event_id}"),
        (member, f"/kring-a/events/{event_id}"),
        (member, "/kring-a/events/"),
        (member, "/kring-a/events/?view=month"),
    ):
        text, statements, built = warm(app, client, url)
        assert built == 0 and only_stamps(statements), url
        assert "Open avond B" not in text
    assert data_stamp() == stamp  # a GET writes nothing: every process keeps what it has
    make_event(w.a.tenant, title="Nieuwe open avond", audience=Audience.PUBLIC)
    assert "Nieuwe open avond" in guest.get("/kring-a/events/calendar.ics").get_data(as_text=True)


def test_each_visitor_signs_up_with_their_own_token_from_the_kept_page(app, events_world):
    """The sign-up form is inside the kept HTML: each visitor's own CSRF token is put in."""
    app.config["WTF_CSRF_ENABLED"] = True
    event_id = make_event(events_world.a.tenant, title="Open avond", audience=Audience.PUBLIC, capacity=5)
    url = f"/kring-a/events/{event_id}"
    token = re.compile(r'id="event-signup".*?name="csrf_token"[^>]*value="([^"]+)"', re.S)
    one, two = app.test_client(), app.test_client()
    token_one = token.search(one.get(url).get_data(as_text=True)).group(1)
    before = builds(app)
    token_two = token.search(two.get(url).get_data(as_text=True)).group(1)
    assert builds(app) == before and token_one != token_two  # kept, and each their own
    guest = {"name": "Gerda", "email": "gerda@example.com"}
    assert two.post(f"{url}/signup", data={**guest, "csrf_token": token_one}).status_code == 400
    response = two.post(f"{url}/signup", data={**guest, "csrf_token": token_two})
    assert response.status_code == 200 and "confirm your sign-up" in response.get_data(as_text=True)
