"""Issue 15: a tenant's plugin settings and themes kept in the process cache
(``tenancy.cache``): a warm page reads neither, a change made in another worker (another
app on the same database) is seen by the next request, and one tenant's values never
reach another tenant's request."""

from __future__ import annotations

import re

import pytest
from flask import g
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.members.models import Theme
from kringwerk.members.themes import ThemeRow, active_themes, tenant_themes
from kringwerk.pluginhost.services import enable_plugin, plugin_settings, update_plugin_settings
from kringwerk.tenancy import cache
from kringwerk.tenancy.context import tenant_scope
from tests.members.support import count_queries
from tests.plugins.polls.conftest import make_poll
from tests.tenancy.test_cache import in_another_worker, tenant_in_this_session

SETTINGS = re.compile(r"\bFROM tenant_plugins\b.*\btenant_plugins\.\"?key\"? = ", re.S)
THEMES = re.compile(r"\bFROM themes\b")


def reads(statements: list[str], pattern: re.Pattern) -> int:
    return sum(1 for statement in statements if pattern.search(statement))


@pytest.fixture
def probe(app):
    """A tenant page showing the polls settings and the active themes its request got."""

    @app.get("/<tenant>/cache-probe-values")
    def cache_probe_values():
        return {
            "settings": plugin_settings(g.tenant, "polls"),
            "themes": [[row.id, row.key, row.name_nl, row.position] for row in active_themes(g.tenant)],
        }

    return app


def themes_of(tenant) -> list[list]:
    with tenant_scope(tenant):
        rows = db.session.execute(
            select(Theme.id, Theme.key, Theme.name_nl, Theme.position)
            .where(Theme.active.is_(True))
            .order_by(Theme.position, Theme.id)
        )
        return [list(row) for row in rows]


def add_theme(tenant, key: str, name: str, position: int = 99) -> None:
    with tenant_scope(tenant):
        db.session.add(Theme(key=key, name_nl=name, name_en=name, position=position))
        db.session.commit()


# --- statements --------------------------------------------------------------------------


@pytest.mark.both_databases
def test_the_results_page_warm_reads_no_plugin_settings(app, client, world, login_as):
    # The configuration cache alone: pages and the session's user kept until the next
    # write (KEEP_PAGE_DATA) would leave out the statements this test counts.
    app.config["KEEP_PAGE_DATA"] = False
    for side in (world.a, world.b):
        enable_plugin(side.tenant, "polls")
    db.session.commit()
    poll_a, poll_b = make_poll(world.a.tenant), make_poll(world.b.tenant, title="Poll of tenant B")
    counts = {}
    for side, slug, poll_id in ((world.a, "kring-a", poll_a), (world.b, "kring-b", poll_b)):
        client.post("/account/logout")
        login_as(side.admin)
        url = f"/{slug}/polls/{poll_id}/results"
        cache.forget_all(app)  # a worker just started
        with count_queries() as cold:
            assert client.get(url).status_code == 200
        with count_queries() as warm:
            page = client.get(url)
        with count_queries() as again:
            assert client.get(url).status_code == 200
        assert page.status_code == 200
        assert reads(cold, SETTINGS) == 1 and reads(warm, SETTINGS) == 0, slug
        # The tenant, its enabled plugins (kept before) and now the polls settings too.
        assert len(warm) == len(cold) - 3, slug
        assert len(again) == len(warm)
        counts[slug] = len(warm)
        other = "Poll of tenant B" if slug == "kring-a" else "Samenwerken op Aalsvoort"
        assert other not in page.get_data(as_text=True)
    assert counts["kring-a"] == counts["kring-b"]


@pytest.mark.both_databases
def test_the_calendar_warm_reads_no_themes(app, client, world):
    # The configuration cache alone: pages and the session's user kept until the next
    # write (KEEP_PAGE_DATA) would leave out the statements this test counts.
    app.config["KEEP_PAGE_DATA"] = False
    for side in (world.a, world.b):
        enable_plugin(side.tenant, "events")
    db.session.commit()
    add_theme(world.b.tenant, "alleen-b", "Alleen van Kring B")
    counts = {}
    for slug in ("kring-a", "kring-b"):
        url = f"/{slug}/events/"
        cache.forget_all(app)
        with count_queries() as cold:
            assert client.get(url).status_code == 200
        with count_queries() as warm:
            page = client.get(url).get_data(as_text=True)
        with count_queries() as again:
            assert client.get(url).status_code == 200
        assert reads(cold, THEMES) == 1 and reads(warm, THEMES) == 0, slug
        assert len(warm) == len(cold) - 3, slug  # tenant, enabled plugins, themes
        assert len(again) == len(warm)
        counts[slug] = len(warm)
        assert ("Alleen van Kring B" in page) == (slug == "kring-b")
    assert counts["kring-a"] == counts["kring-b"]


# --- changes from another worker ----------------------------------------------------------


@pytest.mark.both_databases
def test_a_settings_change_in_another_worker_is_seen_by_the_next_request(
    app, app_config, client, world, probe
):
    for side in (world.a, world.b):
        enable_plugin(side.tenant, "polls")
    db.session.commit()
    a_id = world.a.tenant.id
    assert client.get("/kring-a/cache-probe-values").json["settings"] == {"match_threshold": 3}
    assert client.get("/kring-b/cache-probe-values").json["settings"] == {"match_threshold": 3}

    in_another_worker(
        app_config,
        lambda: update_plugin_settings(tenant_in_this_session(a_id), "polls", {"match_threshold": 5}),
    )
    assert client.get("/kring-a/cache-probe-values").json["settings"] == {"match_threshold": 5}
    assert client.get("/kring-b/cache-probe-values").json["settings"] == {"match_threshold": 3}


@pytest.mark.both_databases
def test_a_settings_change_in_this_worker_renews_the_stamp(app, client, world, probe):
    for side in (world.a, world.b):
        enable_plugin(side.tenant, "polls")
    db.session.commit()
    assert client.get("/kring-a/cache-probe-values").json["settings"]["match_threshold"] == 3
    before = db.session.scalar(select(cache.CacheStamp.value))
    update_plugin_settings(world.a.tenant, "polls", {"match_threshold": 7})
    db.session.commit()
    assert db.session.scalar(select(cache.CacheStamp.value)) != before
    assert client.get("/kring-a/cache-probe-values").json["settings"]["match_threshold"] == 7
    assert client.get("/kring-b/cache-probe-values").json["settings"]["match_threshold"] == 3


@pytest.mark.both_databases
def test_theme_changes_in_another_worker_are_seen_by_the_next_request(app, app_config, client, world, probe):
    a_id = world.a.tenant.id
    b_themes = themes_of(world.b.tenant)
    assert client.get("/kring-a/cache-probe-values").json["themes"] == themes_of(world.a.tenant)
    assert client.get("/kring-b/cache-probe-values").json["themes"] == b_themes

    def rename_add_and_deactivate():
        with tenant_scope(tenant_in_this_session(a_id)):
            first, second = db.session.scalars(select(Theme).order_by(Theme.position, Theme.id).limit(2))
            first.name_nl = "Energie en warmte"
            second.active = False
            db.session.add(Theme(key="nieuw", name_nl="Nieuw thema", name_en="New theme", position=50))
            db.session.flush()  # in the scope; the commit comes after it

    in_another_worker(app_config, rename_add_and_deactivate)
    seen = client.get("/kring-a/cache-probe-values").json["themes"]
    assert seen == themes_of(world.a.tenant)
    names = [row[2] for row in seen]
    assert "Energie en warmte" in names and "Nieuw thema" in names
    assert len(seen) == len(b_themes)  # one off, one on
    # Tenant B's themes are untouched, and never tenant A's.
    assert client.get("/kring-b/cache-probe-values").json["themes"] == b_themes


@pytest.mark.both_databases
def test_each_tenant_gets_its_own_themes_and_settings(app, client, world, probe):
    for side in (world.a, world.b):
        enable_plugin(side.tenant, "polls")
    update_plugin_settings(world.b.tenant, "polls", {"match_threshold": 9})
    db.session.commit()
    add_theme(world.a.tenant, "alleen-a", "Alleen van Kring A")
    for _ in range(2):  # cold, then warm
        a = client.get("/kring-a/cache-probe-values").json
        b = client.get("/kring-b/cache-probe-values").json
        assert a["settings"]["match_threshold"] == 3 and b["settings"]["match_threshold"] == 9
        assert "Alleen van Kring A" in [row[2] for row in a["themes"]]
        assert "Alleen van Kring A" not in [row[2] for row in b["themes"]]
        assert not {row[0] for row in a["themes"]} & {row[0] for row in b["themes"]}


def test_kept_values_are_plain_and_a_callers_change_stays_its_own(app, world):
    enable_plugin(world.a.tenant, "polls")
    db.session.commit()
    with app.test_request_context("/kring-a/"):
        settings = plugin_settings(world.a.tenant, "polls")
        settings["match_threshold"] = 42  # a caller's own copy
        assert plugin_settings(world.a.tenant, "polls")["match_threshold"] == 3
        rows = tenant_themes(world.a.tenant)
        assert isinstance(rows, tuple) and rows and all(type(row) is ThemeRow for row in rows)
        assert tenant_themes(world.a.tenant) is rows  # kept, not read again
        with pytest.raises(AttributeError):
            rows[0].name_nl = "changed"  # frozen
    with app.test_request_context("/kring-b/"):
        assert {row.id for row in tenant_themes(world.b.tenant)}.isdisjoint({row.id for row in rows})
