"""A plan's page reads what it shows in a fixed number of statements (issue 15): the plan,
its rounds, the themes, its items, its projects and its goals with their progress (the
measurements read in the goals' statement, not one load per goal), whatever their number.
The figures are the goal page's (``goals.progress``), the themes keep the latest closed
round's order, and tenant B's plan, items and goals never reach A's page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from markupsafe import escape

from kringwerk.extensions import db
from kringwerk.members.models import Theme
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import goals, plan_page, rounds
from plugins.masterplan.models import Goal, Masterplan, PriorityRound
from tests.members.support import count_queries
from tests.plugins.masterplan.test_dashboard import _fill, _goal

# The plugin's own statements on the page: plan, rounds, items, projects, goals (+ measurements).
PLUGIN_TABLES = ("FROM masterplans", "FROM masterplan_")


def _plugin_statements(statements: list[str]) -> list[str]:
    return [s for s in statements if any(table in s for table in PLUGIN_TABLES)]


def _round(tenant, plan_id, title, order, *, closed_day):
    with tenant_scope(tenant):
        db.session.add(
            PriorityRound(
                masterplan_id=plan_id,
                title=title,
                opens_on=date(2024, 1, 1),
                closes_on=date(2024, 1, closed_day),
                result=[{"theme_id": theme_id, "points": 10 - index} for index, theme_id in enumerate(order)],
                closed_at=datetime(2024, 1, closed_day, 12, tzinfo=UTC),
            )
        )
        db.session.commit()


@pytest.mark.both_databases
def test_the_plan_page_costs_the_same_statements_for_few_and_many_rows(app, plan_world, login_as):
    """The page as it is built after a write (kept pages off here; test_kept_pages.py has
    the warm page)."""
    app.config["KEEP_PAGE_DATA"] = False
    w = plan_world
    _fill(w.a.tenant, w.plan_a, w.a.member, w.themes_a)  # 3 items, 3 projects, 3 goals
    _round(w.a.tenant, w.plan_a, "Ronde 1", w.themes_a[:2], closed_day=10)
    _fill(w.b.tenant, w.plan_b, w.b.member, w.themes_b)
    client = login_as(w.a.member)
    url = f"/kring-a/masterplan/{w.plan_a}/"
    assert client.get(url).status_code == 200  # the process caches of the core filled
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _fill(w.a.tenant, w.plan_a, w.a.member, w.themes_a, copies=7)  # 24 items, 24 projects, 24 goals
    for day in range(11, 20):
        _round(w.a.tenant, w.plan_a, f"Ronde {day}", w.themes_a[2:4], closed_day=day)
    with count_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert len(few) == len(many)
    # Plan, rounds, items, projects, goals: five of the plugin's own, whatever the numbers
    # (it was ten: goals and the latest closed round twice, and each goal's measurements).
    assert len(_plugin_statements(few)) == len(_plugin_statements(many)) == 5
    assert sum("masterplan_measurements" in s for s in many) == 1  # inside the goals' statement
    assert page.count("Nog niet gemeten") == 8 and "Laadpalen 6" in page
    assert "Masterplan of tenant B" not in page
    assert login_as(w.b.member).get(url).status_code == 404  # B's people do not reach A's plan


def test_the_plan_page_reads_each_part_once(plan_world, login_as, monkeypatch):
    """The themes, rounds and goals were read twice or more per request (``_theme_rows``,
    ``theme_order`` and ``latest_closed`` each fetching again): now once each."""
    w = plan_world
    _fill(w.a.tenant, w.plan_a, w.a.member, w.themes_a)
    _round(w.a.tenant, w.plan_a, "Ronde 1", w.themes_a[:2], closed_day=10)
    calls = {"_themes": 0, "_round_lines": 0, "rounds": 0, "goal_lines": 0, "latest_closed": 0, "progress": 0}

    def counted(module, name):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counted(plan_page, "_themes")
    counted(plan_page, "_round_lines")
    counted(rounds, "rounds")
    counted(rounds, "latest_closed")
    counted(goals, "goal_lines")
    counted(goals, "progress")
    client = login_as(w.a.member)
    assert client.get(f"/kring-a/masterplan/{w.plan_a}/").status_code == 200
    assert calls == {
        "_themes": 1,
        "_round_lines": 1,  # the rounds as the columns the page shows, not entities
        "rounds": 0,
        "goal_lines": 1,
        "latest_closed": 0,
        "progress": 0,
    }


@pytest.mark.both_databases
def test_goal_lines_give_the_goal_pages_progress(plan_world):
    """One statement's figures equal ``progress(goal)`` on the loaded measurements: rising and
    falling goals, measurements added out of order, two on one day, none at all."""
    w = plan_world
    with tenant_scope(w.a.tenant):
        plan = db.session.get(Masterplan, w.plan_a)
        made = [
            _goal(
                plan,
                w.a.member,
                "Op koers",
                [("2020-01-01", "60"), ("2022-01-01", "90"), ("2021-01-01", "61")],
            ),
            _goal(plan, w.a.member, "Achter", [("2020-01-01", "60"), ("2025-01-01", "62")]),
            _goal(plan, w.a.member, "Zelfde dag", [("2021-03-01", "70"), ("2021-03-01", "75,5")]),
            _goal(plan, w.a.member, "Voorbij", [("2020-01-01", "180")]),
            _goal(plan, w.a.member, "Niet gemeten", []),
            _goal(plan, w.a.member, "Minder is beter", [("2020-01-01", "40")], target="20"),
        ]
        db.session.commit()
        ids = [goal.id for goal in made]
    with tenant_scope(w.b.tenant):
        other = db.session.get(Masterplan, w.plan_b)
        _goal(other, w.b.member, "Van B", [("2020-01-01", "99")])
        db.session.commit()
    with tenant_scope(w.a.tenant):
        plan = db.session.get(Masterplan, w.plan_a)
        with count_queries() as statements:
            lines = goals.goal_lines(plan)
        assert len(statements) == 1
        assert sorted(line.id for line in lines) == sorted(ids)  # B's goal is not among them
        for line in lines:
            expected = goals.progress(db.session.get(Goal, line.id))
            assert line.progress.percent == expected.percent, line.title
            assert line.progress.on_track == expected.on_track, line.title
            assert (line.progress.latest is None) == (expected.latest is None)
            if expected.latest is not None:
                assert Decimal(line.progress.latest) == expected.latest, line.title
        shown = {line.title: line.progress.percent for line in lines}
        assert shown["Zelfde dag"] == 39 and shown["Voorbij"] == 100 and shown["Niet gemeten"] == 0


@pytest.mark.both_databases
def test_the_page_keeps_the_latest_closed_rounds_order_and_only_its_tenants_rows(plan_world, login_as):
    w = plan_world
    _fill(w.a.tenant, w.plan_a, w.a.member, w.themes_a)
    _fill(w.b.tenant, w.plan_b, w.b.member, w.themes_b)
    _round(w.a.tenant, w.plan_a, "Eerste ronde", w.themes_a[:2], closed_day=5)
    _round(w.a.tenant, w.plan_a, "Laatste ronde", [w.themes_a[3], w.themes_a[1]], closed_day=9)
    with tenant_scope(w.a.tenant):
        plan = db.session.get(Masterplan, w.plan_a)
        page = plan_page.plan_page(plan)
        assert [row.theme.id for row in page.rows] == [theme.id for theme in rounds.theme_order(plan)]
        assert [row.theme.id for row in page.rows][:2] == [w.themes_a[3], w.themes_a[1]]
        assert page.ranked.title == "Laatste ronde" == rounds.latest_closed(plan).title
        by_theme = {row.theme.id: row for row in page.rows}
        assert [i.text for i in by_theme[w.themes_a[0]].wishes] == ["Laadpalen 0", "Glasvezel 0"]
        assert [i.text for i in by_theme[w.themes_a[1]].challenges] == ["Netcongestie 0"]
        assert len(by_theme[w.themes_a[0]].projects) == 3
    html = login_as(w.a.member).get(f"/kring-a/masterplan/{w.plan_a}/").get_data(as_text=True)
    assert 'Themes in the order of the round "Laatste ronde".' in html
    with tenant_scope(w.a.tenant):
        first = db.session.get(Theme, w.themes_a[3])
    assert f"1. {escape(first.name_en)}</a>" in html  # the page's language (English in A)
    assert html.count(f"/kring-a/masterplan/{w.plan_a}/goals/") == 3
    assert f"/kring-a/masterplan/{w.plan_a}/themes/{w.themes_a[0]}" in html
    assert "/kring-b/" not in html and str(w.plan_b) + "/goals" not in html
