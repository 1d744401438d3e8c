"""The board's dashboard: wishes and challenges per theme, projects by status, goals on
and off track (the goal page's rule), for every plan in use or one plan, counted in a
fixed number of SQL statements; the network version across active member associations
through the network scope. Tenant B never sees A's figures, nor A's plan by its id."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import select

from kringwerk.accounts.models import Role
from kringwerk.accounts.people import add_membership
from kringwerk.accounts.services import create_user
from kringwerk.extensions import db
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from kringwerk.tenants import affiliations as rules
from kringwerk.tenants.network import network_figures
from kringwerk.tenants.services import create_tenant
from plugins.masterplan import dashboard, goals, plans, projects
from plugins.masterplan.goals import progress
from plugins.masterplan.models import Goal, Masterplan, PlanStatus, ProjectStatus
from tests.members.support import count_queries


@dataclass
class Seeded:
    on_track: int
    off_track: int
    unmeasured: int


def _goal(plan, actor, title, measurements, *, target="100", deadline="2030-12-31"):
    goal = goals.create_goal(
        plan,
        {"title": title, "unit": "cases", "baseline": "60", "target": target, "deadline": deadline},
        actor=actor,
    )
    for day, value in measurements:
        goals.add_measurement(goal, {"measured_on": day, "value": value}, actor=actor)
    return goal


def _fill(tenant, plan_id, actor, themes, *, copies=1) -> Seeded:
    """Per copy: two wishes on the first theme, a challenge on the second, three projects
    (an idea, two running), and a goal on track, one off track, one not measured."""
    with tenant_scope(tenant):
        plan = db.session.get(Masterplan, plan_id)
        seeded = Seeded(0, 0, 0)
        for copy in range(copies):
            plans.add_item(plan, "wish", themes[0], f"Laadpalen {copy}", actor=actor)
            plans.add_item(plan, "wish", themes[0], f"Glasvezel {copy}", actor=actor)
            plans.add_item(plan, "challenge", themes[1], f"Netcongestie {copy}", actor=actor)
            for status in ("idea", "running", "running"):
                projects.create_project(
                    plan, {"title": f"Project {copy}", "theme_id": themes[0], "status": status}, actor=actor
                )
            seeded.on_track = _goal(
                plan,
                actor,
                f"Op koers {copy}",
                [("2020-01-01", "60"), ("2022-01-01", "90"), ("2021-01-01", "61")],
            ).id
            seeded.off_track = _goal(
                plan, actor, f"Achter {copy}", [("2020-01-01", "60"), ("2025-01-01", "62")]
            ).id
            seeded.unmeasured = _goal(plan, actor, f"Nog niet gemeten {copy}", []).id
        db.session.commit()
    return seeded


@pytest.mark.both_databases
def test_the_dashboard_counts_wishes_projects_and_goals(plan_world):
    w = plan_world
    seeded = _fill(w.a.tenant, w.plan_a, w.a.member, w.themes_a)
    _fill(w.b.tenant, w.plan_b, w.b.member, w.themes_b, copies=2)
    with tenant_scope(w.a.tenant):
        archived = Masterplan(title="Oud plan", status=PlanStatus.ARCHIVED)
        db.session.add(archived)
        db.session.flush()
        plans.add_item(archived, "wish", w.themes_a[2], "Oud", actor=w.a.admin)
        db.session.commit()
        archived_id = archived.id
    with tenant_scope(w.a.tenant):
        themes = plans.themes()
        found = dashboard.dashboard(themes)
        per_theme = {theme.id: (wishes, challenges) for theme, wishes, challenges in found.themes}
        assert per_theme[w.themes_a[0]] == (2, 0)
        assert per_theme[w.themes_a[1]] == (0, 1)
        assert per_theme[w.themes_a[2]] == (0, 0)  # the archived plan's wish is left out
        assert (found.total.wishes, found.total.challenges) == (2, 1)
        assert found.total.projects[ProjectStatus.IDEA] == 1
        assert found.total.projects[ProjectStatus.RUNNING] == 2
        assert found.total.project_count == 3
        assert found.total.goals == {"on_track": 1, "off_track": 1, "unmeasured": 1}
        assert [goal.id for goal in found.off_track] == [seeded.off_track]
        assert found.plans == [(w.plan_a, "Masterplan Noord")]
        assert found.per_plan[w.plan_a].wishes == 2
        # The dashboard's rule is the goal page's rule.
        for goal_id, state in ((seeded.on_track, True), (seeded.off_track, False)):
            assert progress(db.session.get(Goal, goal_id)).on_track is state
        # One plan, archived or not, when chosen.
        alone = dashboard.dashboard(themes, db.session.get(Masterplan, archived_id))
        assert (alone.total.wishes, alone.total.project_count, alone.total.goal_count) == (1, 0, 0)
    with tenant_scope(w.b.tenant):
        found = dashboard.dashboard(plans.themes())
        assert (found.total.wishes, found.total.project_count, found.total.goal_count) == (4, 6, 6)
        assert seeded.off_track not in [goal.id for goal in found.off_track]


def test_a_goal_is_judged_on_the_straight_line_to_its_target():
    from datetime import date

    # Deadline 30 days after the first measurement; half-way on the 16th.
    line = (Decimal(60), Decimal(100), date(2021, 1, 31), date(2021, 1, 1))
    assert goals.keeps_pace(*line, date(2021, 1, 16), Decimal(80))  # exactly on the line
    assert not goals.keeps_pace(*line, date(2021, 1, 16), Decimal("79.5"))
    assert goals.keeps_pace(*line, date(2021, 1, 1), Decimal(60))  # only the baseline so far
    assert not goals.keeps_pace(*line, date(2021, 3, 1), Decimal(99))  # past the deadline, short
    falling = (Decimal(100), Decimal(50), date(2021, 1, 31), date(2021, 1, 1))  # less is better
    assert goals.keeps_pace(*falling, date(2021, 1, 16), Decimal(70))
    assert not goals.keeps_pace(*falling, date(2021, 1, 16), Decimal(80))


@pytest.mark.both_databases
def test_the_dashboard_costs_the_same_statements_for_few_and_many_rows(app, plan_world, login_as):
    app.config["KEEP_PAGE_DATA"] = False  # the statements of a page built after a write, each time
    w = plan_world
    _fill(w.a.tenant, w.plan_a, w.a.member, w.themes_a)
    client = login_as(w.a.admin)
    with tenant_scope(w.a.tenant):
        themes = plans.themes()
        with count_queries() as few:
            dashboard.dashboard(themes)
    client.get("/kring-a/masterplan/dashboard")  # warm: the tenant and its plugins are kept per process
    with count_queries() as few_page:
        assert client.get("/kring-a/masterplan/dashboard").status_code == 200
    with tenant_scope(w.a.tenant):
        for title in ("Plan Zuid", "Plan Oost"):
            db.session.add(Masterplan(title=title))
        db.session.commit()
        more = list(db.session.scalars(select(Masterplan.id)))
    for plan_id in more:
        _fill(w.a.tenant, plan_id, w.a.member, w.themes_a, copies=3)
    with tenant_scope(w.a.tenant):
        themes = plans.themes()  # loaded again: the commits expired them
        with count_queries() as many:
            found = dashboard.dashboard(themes)
    assert found.total.goal_count > 20 and len(found.plans) == 3
    with count_queries() as many_page:
        assert client.get("/kring-a/masterplan/dashboard").status_code == 200
    assert len(few) == len(many) == 4
    assert len(few_page) == len(many_page)


def test_the_dashboard_page_links_and_keeps_to_its_tenant(plan_world, login_as):
    w = plan_world
    seeded = _fill(w.a.tenant, w.plan_a, w.a.member, w.themes_a)
    client = login_as(w.a.admin)
    page = client.get("/kring-a/masterplan/dashboard").get_data(as_text=True)
    assert "Wishes and challenges per theme" in page
    assert f"/kring-a/masterplan/{w.plan_a}/goals/{seeded.off_track}" in page  # off track, linked
    assert "Achter 0" in page and "Op koers 0" not in page
    assert f"/kring-a/masterplan/dashboard?plan={w.plan_a}" in page
    one = client.get(f"/kring-a/masterplan/dashboard?plan={w.plan_a}").get_data(as_text=True)
    assert f"/kring-a/masterplan/{w.plan_a}/themes/{w.themes_a[0]}" in one
    assert f"/kring-a/masterplan/{w.plan_a}/implementation?status=running" in one
    plan_page = client.get(f"/kring-a/masterplan/{w.plan_a}/").get_data(as_text=True)
    assert f"/kring-a/masterplan/dashboard?plan={w.plan_a}" in plan_page
    client.post("/account/logout")
    login_as(w.a.member)
    assert client.get("/kring-a/masterplan/dashboard").status_code == 403
    assert "/kring-a/masterplan/dashboard" not in client.get(f"/kring-a/masterplan/{w.plan_a}/").get_data(
        as_text=True
    )
    client.post("/account/logout")
    login_as(w.b.admin)
    assert client.get(f"/kring-b/masterplan/dashboard?plan={w.plan_a}").status_code == 404
    assert client.get("/kring-a/masterplan/dashboard").status_code == 404
    b_page = client.get("/kring-b/masterplan/dashboard").get_data(as_text=True)
    assert "Achter 0" not in b_page and "Masterplan Noord" not in b_page


def _join(network, member, actor):
    affiliation_id = rules.invite(network, member, actor=actor).id
    db.session.commit()
    with tenant_scope(member):
        rules.accept(member, rules.member_affiliation(member, affiliation_id), actor=actor)
    db.session.commit()
    return affiliation_id


@pytest.fixture
def region(plan_world):
    w = plan_world
    network = create_tenant("cleantech", "Cleantech Regio", "region", default_locale="en")
    admin = create_user("admin@cleantech.example.com", "Admin Cleantech", password=w.world.password)
    db.session.flush()
    with tenant_scope(network):
        add_membership(network, admin, Role.ADMIN)
    enable_plugin(network, "masterplan")
    db.session.commit()
    return network, admin


@pytest.mark.both_databases
def test_a_network_sees_the_same_figures_across_its_active_members(app, plan_world, region, login_as):
    app.config["KEEP_PAGE_DATA"] = False  # the statements of a page built after a write, each time
    w = plan_world
    network, admin = region
    _fill(w.a.tenant, w.plan_a, w.a.member, w.themes_a)
    _fill(w.b.tenant, w.plan_b, w.b.member, w.themes_b, copies=2)
    _join(network, w.a.tenant, admin)
    with tenant_scope(w.a.tenant):
        first_key = db.session.get(type(plans.themes()[0]), w.themes_a[0]).key
    with tenant_scope(network):
        found = {member.slug: {f.key: f.value for f in member.figures} for member in network_figures(network)}
    assert set(found) == {"kring-a"}
    a = found["kring-a"]
    assert (a["masterplan.wishes"], a["masterplan.challenges"]) == (2, 1)
    assert a[f"masterplan.wishes.theme.{first_key}"] == 2
    assert (
        a["masterplan.projects.idea"],
        a["masterplan.projects.running"],
        a["masterplan.projects.done"],
    ) == (1, 2, 0)
    assert (
        a["masterplan.goals.on_track"],
        a["masterplan.goals.off_track"],
        a["masterplan.goals.unmeasured"],
    ) == (1, 1, 1)
    assert (a["masterplan.goals"], a["masterplan.goals_on_track"], a["masterplan.projects_running"]) == (
        3,
        1,
        2,
    )

    client = login_as(admin)
    client.get("/cleantech/masterplan/dashboard")  # warm: the tenant and its plugins are kept per process
    with count_queries() as one_member:
        page = client.get("/cleantech/masterplan/dashboard")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Across the member associations" in text and "Kring A" in text and "Kring B" not in text
    left = _join(network, w.b.tenant, admin)
    with count_queries() as two_members:
        text = client.get("/cleantech/masterplan/dashboard").get_data(as_text=True)
    assert "Kring B" in text
    assert len(one_member) == len(two_members)
    with tenant_scope(w.b.tenant):
        rules.leave(w.b.tenant, rules.member_affiliation(w.b.tenant, left), actor=w.b.admin)
    db.session.commit()
    text = client.get("/cleantech/masterplan/dashboard").get_data(as_text=True)
    assert "Kring B" not in text  # left: drops out
    # A member association's board reaches only its own dashboard, never the network's.
    client.post("/account/logout")
    login_as(w.a.admin)
    assert client.get("/cleantech/masterplan/dashboard").status_code == 404
    assert "Across the member associations" not in client.get("/kring-a/masterplan/dashboard").get_data(
        as_text=True
    )
