"""The masterplans list and a plan's page kept per process until the next write (issue 15):
a warm request reads nothing of the plugin and builds nothing, whatever the plan holds; a
change through the app or from another worker shows at the next request; each person sees
their own buttons; the day in the tenant's time zone is part of the plan page's key; a GET
writes nothing; tenant B's people never get A's kept pages, nor A's people B's."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask import render_template_string
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark, Circle
from kringwerk.plugin_api import require_member
from kringwerk.tenancy import cache, tenant_scope
from kringwerk.tenancy.cache import DATA_STAMP_ID, CacheStamp
from plugins.masterplan import kept
from plugins.masterplan.models import Masterplan, Scope
from tests.conftest import login
from tests.members.support import count_queries
from tests.plugins.masterplan.test_dashboard import _fill
from tests.support.workers import in_another_worker

PLUGIN_TABLES = ("FROM masterplans", "FROM masterplan_")


def _builds(app) -> int:
    return app.extensions[cache.EXTENSION_KEY].builds


def _plugin(statements: list[str]) -> list[str]:
    return [s for s in statements if any(table in s for table in PLUGIN_TABLES)]


def _stamp() -> str:
    value = db.session.scalar(select(CacheStamp.value).where(CacheStamp.id == DATA_STAMP_ID))
    db.session.rollback()
    return value


def _warm(client, url) -> list[str]:
    """The statements of a request to ``url`` once the process keeps its page."""
    assert client.get(url).status_code == 200
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return statements


@pytest.mark.both_databases
def test_warm_pages_read_nothing_of_the_plugin_however_much_the_plan_holds(app, plan_world, login_as):
    @app.get("/<tenant>/shell-probe")
    @require_member()
    def shell_probe():  # the page shell with nothing in it: what every page reads
        return render_template_string('{% extends "base.html" %}{% block content %}-{% endblock %}')

    w = plan_world
    _fill(w.a.tenant, w.plan_a, w.a.member, w.themes_a)
    _fill(w.b.tenant, w.plan_b, w.b.member, w.themes_b)
    client = login_as(w.a.member)
    pages = ("/kring-a/masterplan/", f"/kring-a/masterplan/{w.plan_a}/")
    few = {url: _warm(client, url) for url in pages}
    _fill(w.a.tenant, w.plan_a, w.a.member, w.themes_a, copies=6)  # a write: built anew
    many = {}
    for url in pages:
        many[url] = _warm(client, url)
        built = _builds(app)
        page = client.get(url).get_data(as_text=True)
        assert _builds(app) == built  # kept: nothing built
        assert "Masterplan of tenant B" not in page
    shell = _warm(client, "/kring-a/shell-probe")
    for url in pages:
        assert _plugin(few[url]) == _plugin(many[url]) == [], url
        # Only what the empty page shell reads, for few rows and many: no statement through
        # SQLAlchemy (the stamps are read with the driver alone, tenancy/cache.py).
        assert few[url] == many[url] == shell == [], url
    reads = app.extensions[cache.EXTENSION_KEY].stamps_read
    assert "Laadpalen 5" in client.get(pages[1]).get_data(as_text=True)
    assert app.extensions[cache.EXTENSION_KEY].stamps_read == reads + 1


@pytest.mark.both_databases
def test_a_change_through_the_app_shows_at_the_next_request(app, plan_world, login_as):
    w = plan_world
    client = login_as(w.a.admin)
    plan_url, list_url = f"/kring-a/masterplan/{w.plan_a}/", "/kring-a/masterplan/"
    for url in (plan_url, list_url):
        client.get(url)
    assert "Laadpalen bij de kantine" not in client.get(plan_url).get_data(as_text=True)
    added = client.post(
        f"/kring-a/masterplan/{w.plan_a}/themes/{w.themes_a[0]}/items",
        data={"item-kind": "wish", "item-text": "Laadpalen bij de kantine"},
        headers={"HX-Request": "true"},
    )
    assert added.status_code == 200
    assert "Laadpalen bij de kantine" in client.get(plan_url).get_data(as_text=True)
    created = client.post(
        "/kring-a/masterplan/new", data={"title": "Plan Zuid", "scope": "tenant", "status": "draft"}
    )
    assert created.status_code == 303
    listed = client.get(list_url).get_data(as_text=True)
    assert "Plan Zuid" in listed and "Masterplan Noord" in listed
    assert "Plan Zuid" not in client.get("/kring-b/masterplan/").get_data(as_text=True)  # 403/empty for B


@pytest.mark.both_databases
def test_a_change_in_another_worker_shows_at_the_next_request(app, app_config, plan_world, login_as):
    w = plan_world
    client = login_as(w.a.member)
    plan_url, list_url = f"/kring-a/masterplan/{w.plan_a}/", "/kring-a/masterplan/"
    for url in (plan_url, list_url, plan_url, list_url):
        assert "Masterplan Noord" in client.get(url).get_data(as_text=True)
    tenant, plan_id = w.a.tenant, w.plan_a

    def rename():
        with tenant_scope(tenant):
            db.session.get(Masterplan, plan_id).title = "Masterplan Noord-Oost"
            db.session.commit()  # in the tenant's scope, as the flush needs

    in_another_worker(app_config, rename)
    for url in (plan_url, list_url):
        assert "Masterplan Noord-Oost" in client.get(url).get_data(as_text=True), url


@pytest.mark.both_databases
def test_each_person_sees_their_own_buttons(app, plan_world):
    """The buttons depend on the role: a member and an admin of A each get their own page,
    both kept; B's member gets none of A's."""
    w = plan_world
    member, admin, other = app.test_client(), app.test_client(), app.test_client()
    login(member, w.a.member)
    login(admin, w.a.admin)
    login(other, w.b.member)
    plan_url = f"/kring-a/masterplan/{w.plan_a}/"
    for _ in range(2):
        member_page = member.get(plan_url).get_data(as_text=True)
        admin_page = admin.get(plan_url).get_data(as_text=True)
        member_list = member.get("/kring-a/masterplan/").get_data(as_text=True)
        admin_list = admin.get("/kring-a/masterplan/").get_data(as_text=True)
    assert "Edit masterplan" in admin_page and "Edit masterplan" not in member_page
    assert "Propose a project" in member_page and "Propose a project" in admin_page
    assert "New masterplan" in admin_list and "New masterplan" not in member_list
    built = _builds(app)
    member.get(plan_url)
    admin.get(plan_url)
    assert _builds(app) == built  # each kept for its person
    assert other.get(plan_url).status_code == 404  # A's kept page is not B's
    assert other.get(f"/kring-b/masterplan/{w.plan_a}/").status_code == 404
    b_list = other.get("/kring-b/masterplan/").get_data(as_text=True)
    assert "Masterplan of tenant B" in b_list and "Masterplan Noord" not in b_list
    assert "Masterplan of tenant B" not in admin.get("/kring-a/masterplan/").get_data(as_text=True)


def _data(app):
    return app.extensions[cache.EXTENSION_KEY].data_generation


def test_the_plan_page_is_built_anew_on_a_new_day(app, plan_world, login_as, monkeypatch):
    w = plan_world
    client = login_as(w.a.member)
    url = f"/kring-a/masterplan/{w.plan_a}/"
    monkeypatch.setattr(kept, "tenant_today", lambda: date(2026, 3, 1))
    client.get(url)
    built = _builds(app)
    client.get(url)
    assert _builds(app) == built
    monkeypatch.setattr(kept, "tenant_today", lambda: date(2026, 3, 2))
    assert "Masterplan Noord" in client.get(url).get_data(as_text=True)
    assert _builds(app) == built + 1  # the page, once more (the plan's head is not per day)
    kept_pages = [key for key in _data(app).entries if "'masterplan.plan'," in repr(key)]
    assert len(kept_pages) == 1  # the new day replaced the old day's page


def test_today_is_the_tenants_date(app, plan_world, monkeypatch):
    """At 23:30 UTC it is already tomorrow in Amsterdam, still today in New York."""

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 1, 1, 23, 30, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(kept, "datetime", Clock)
    tenant = plan_world.a.tenant
    with app.test_request_context("/kring-a/"):
        monkeypatch.setattr(kept, "current_tenant", lambda: tenant)
        tenant.timezone = "Europe/Amsterdam"
        assert kept.tenant_today() == date(2026, 1, 2)
        tenant.timezone = "America/New_York"
        assert kept.tenant_today() == date(2026, 1, 1)
        tenant.timezone = "Nowhere/Atlantis"  # unknown: Amsterdam's date
        assert kept.tenant_today() == date(2026, 1, 2)
    db.session.rollback()


@pytest.mark.both_databases
def test_reading_the_masterplan_pages_writes_nothing(app, plan_world, login_as):
    w = plan_world
    _fill(w.a.tenant, w.plan_a, w.a.member, w.themes_a)
    client = login_as(w.a.admin)
    before = _stamp()
    for url in ("/kring-a/masterplan/", f"/kring-a/masterplan/{w.plan_a}/"):
        for _ in range(2):
            assert client.get(url).status_code == 200, url
    assert _stamp() == before


def _scoped_plans(w, count: int) -> None:
    """``count`` plans of each scope in A: for a circle, for a park, for a circle that was
    removed (its id names none of A's circles: B's circle), for the whole association."""
    with tenant_scope(w.b.tenant):
        circle_b = db.session.scalar(select(Circle).where(Circle.name == "Circle of B"))
        if circle_b is None:
            circle_b = Circle(name="Circle of B")
            db.session.add(circle_b)
            db.session.flush()
    with tenant_scope(w.a.tenant):
        park = db.session.scalar(select(BusinessPark).where(BusinessPark.name == "De Wieken"))
        if park is None:
            park = BusinessPark(name="De Wieken")
            db.session.add(park)
            db.session.flush()
        circle = db.session.scalar(select(Circle).where(Circle.name == "Noord"))
        for n in range(count):
            db.session.add_all(
                [
                    Masterplan(title=f"Kring {n}", scope=Scope.CIRCLE, circle_id=circle.id),
                    Masterplan(title=f"Terrein {n}", scope=Scope.PARK, business_park_id=park.id),
                    Masterplan(title=f"Weg {n}", scope=Scope.CIRCLE, circle_id=circle_b.id),
                    Masterplan(title=f"Vereniging {n}", scope=Scope.TENANT),
                ]
            )
        db.session.commit()


@pytest.mark.both_databases
def test_the_list_reads_every_plan_with_what_it_is_for_in_one_statement(app, plan_world, login_as):
    """Built after a write, the list read the circle or park of each plan by a statement of
    its own; now one statement reads the plans with those names, whatever their number."""
    app.config["KEEP_PAGE_DATA"] = False
    w = plan_world
    _scoped_plans(w, 1)
    client = login_as(w.a.member)
    client.get("/kring-a/masterplan/")
    with count_queries() as few:
        client.get("/kring-a/masterplan/")
    _scoped_plans(w, 5)
    with count_queries() as many:
        page = client.get("/kring-a/masterplan/").get_data(as_text=True)
    assert len(few) == len(many)
    assert len(_plugin(many)) == 1
    rows = {cells[0]: cells[1] for cells in _rows(page)}
    assert rows["Kring 4"] == "Noord" and rows["Terrein 4"] == "De Wieken"
    assert rows["Weg 4"] == "a removed circle"  # B's circle is not A's
    assert rows["Vereniging 4"] == "The whole association"
    assert "Circle of B" not in page and "Masterplan of tenant B" not in page


def _rows(page: str) -> list[list[str]]:
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)
        if "<td>" in row
    ]
