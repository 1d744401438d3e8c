"""The events pages in a real Chromium: a member signs up with htmx 4 (the sign-up block is
swapped in place, no console errors or CSP violations), and axe finds no serious or
critical problem on the calendar (list and month grid), the event page and the check-in
page; on a phone the month grid reads as a list of the days with events. Tenant B's
member reaches none of tenant A's members-only event.

A module-scoped live server with its own database, as the polls browser tests do.
"""

from __future__ import annotations

import shutil
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from kringwerk import create_app
from kringwerk.extensions import db, utcnow
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.events import signup
from plugins.events.models import Audience, Event
from plugins.events.services import Visitor, local
from tests.conftest import World, _make_side, base_config
from tests.plugins.events.conftest import make_event
from tests.support.browser import axe_violations, open_tab

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    folder = tmp_path_factory.mktemp("events-live")
    database = folder / "kringwerk.db"
    shutil.copyfile(sqlite_template, database)
    app = create_app(base_config(folder, f"sqlite:///{database}", WTF_CSRF_ENABLED=True), environ={})
    with app.app_context():
        a = _make_side("kring-a", "Kring A", World.password)
        b = _make_side("kring-b", "Kring B", World.password)
        for side in (a, b):
            enable_plugin(side.tenant, "events")
        db.session.commit()
        event_id = make_event(a.tenant, title="Themabijeenkomst energie", capacity=20)
        make_event(a.tenant, title="Dag van de Ondernemer", audience=Audience.PUBLIC)
        with tenant_scope(a.tenant):
            signup.sign_up(db.session.get(Event, event_id), Visitor(user=a.admin, member=True, manager=True))
            db.session.commit()
        people = {"a_member": a.member.email, "a_admin": a.admin.email, "b_member": b.member.email}
        db.session.remove()
        db.engine.dispose()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", event_id, people
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def tab(browser, server):
    url, *_ = server
    tab, context = open_tab(browser, SimpleNamespace(url=url))
    yield tab
    context.close()


def test_a_member_signs_up_in_place(tab, server):
    _url, event_id, people = server
    tab.sign_in(people["a_member"])
    tab.goto(f"/kring-a/events/{event_id}")
    tab.page.evaluate("window.__sameDocument = true")
    block = tab.page.locator("#event-signup")
    expect(block).to_contain_text("19 of 20 seats left.")
    with tab.page.expect_response(lambda r: f"/events/{event_id}/signup" in r.url and r.status == 200):
        block.get_by_role("button", name="Sign up").click()
    expect(tab.page.locator("#event-signup")).to_contain_text("You are signed up.")
    expect(tab.page.locator("#event-signup")).to_contain_text("18 of 20 seats left.")
    assert tab.page.evaluate("window.__sameDocument") is True  # swapped in place, no navigation
    tab.assert_clean()


def test_tenant_b_does_not_reach_a_members_only_event(tab, server):
    _url, event_id, people = server
    tab.sign_in(people["b_member"])
    tab.expect_error("status of 404")
    assert tab.goto(f"/kring-a/events/{event_id}").status == 404
    calendar = tab.goto("/kring-a/events/")
    assert calendar.status == 200
    expect(tab.page.locator("#event-calendar")).not_to_contain_text("Themabijeenkomst energie")
    expect(tab.page.locator("#event-calendar")).to_contain_text("Dag van de Ondernemer")
    tab.assert_clean()


def test_axe_finds_no_serious_problem_on_the_calendar_event_and_check_in(browser, server):
    url, event_id, people = server
    tab, context = open_tab(browser, SimpleNamespace(url=url), bypass_csp=True)
    try:
        tab.sign_in(people["a_admin"])
        for path in (
            "/kring-a/events/",
            _month_of_the_events(),
            f"/kring-a/events/{event_id}",
            f"/kring-a/events/{event_id}/checkin",
        ):
            assert tab.goto(path).status == 200
            assert axe_violations(tab) == [], path
    finally:
        context.close()


def _month_of_the_events() -> str:
    start = local(utcnow() + timedelta(days=7))  # make_event's default start
    return f"/kring-a/events/?view=month&year={start.year}&month={start.month}"


def test_on_a_phone_the_month_grid_is_a_list_of_busy_days(browser, server):
    url, _event_id, people = server
    tab, context = open_tab(browser, SimpleNamespace(url=url), viewport={"width": 375, "height": 800})
    try:
        tab.sign_in(people["a_member"])
        assert tab.goto(_month_of_the_events()).status == 200
        grid = tab.page.locator("table.month-grid")
        head = "table => getComputedStyle(table.tHead).position"
        assert grid.evaluate(head) == "absolute"  # visually hidden (1px, clipped)
        busy = grid.locator("td.month-grid__cell--busy")
        expect(busy.first).to_be_visible()
        expect(busy.first).to_contain_text("Themabijeenkomst energie")
        expect(grid.locator("td:not(.month-grid__cell--busy)").first).to_be_hidden()
        assert grid.evaluate("table => getComputedStyle(table).display") == "block"
        tab.page.set_viewport_size({"width": 1280, "height": 800})
        assert grid.evaluate(head) == "static"
        assert grid.evaluate("table => getComputedStyle(table).display") == "table"
        tab.assert_clean()
    finally:
        context.close()
