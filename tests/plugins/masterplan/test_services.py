"""The masterplan's business rules without HTTP: wishes and support, priority rounds
and their arithmetic, projects and milestones, goals and progress, versions that
refuse a stale save, and the change log. Tenant B never reaches A's rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from kringwerk.extensions import db
from kringwerk.members.models import Theme
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import goals, plans, projects, rounds
from plugins.masterplan.changes import Invalid, StaleEdit
from plugins.masterplan.models import Allocation, Item, Masterplan, PlanChange, Project, Support

pytestmark = pytest.mark.both_databases

TODAY = date(2026, 5, 1)


def _plan(side, plan_id):
    return db.session.get(Masterplan, plan_id)


def test_wishes_challenges_and_support_once_per_member(plan_world):
    w = plan_world
    with tenant_scope(w.a.tenant):
        plan = _plan(w.a, w.plan_a)
        wish = plans.add_item(plan, "wish", w.themes_a[0], "Laadpalen op het terrein", actor=w.a.member)
        plans.add_item(plan, "challenge", w.themes_a[1], "Netcongestie", actor=w.a.admin)
        assert plans.support(wish, actor=w.a.admin) is True
        assert plans.support(wish, actor=w.a.admin) is False  # once per member
        assert plans.support_count(wish) == 1
        assert wish.added_by_name == w.a.member.name
        with pytest.raises(Invalid) as refused:
            plans.add_item(plan, "wish", w.themes_a[0], "  ", actor=w.a.member)
        assert "text" in refused.value.errors
        with pytest.raises(Invalid) as refused:
            plans.add_item(plan, "wish", w.themes_b[0], "B's theme", actor=w.a.member)
        assert "theme_id" in refused.value.errors
        wish_id = wish.id
    db.session.commit()
    with tenant_scope(w.b.tenant):
        assert db.session.get(Item, wish_id) is None
        assert db.session.scalar(select(func.count(Support.id))) == 0
        assert db.session.get(Masterplan, w.plan_a) is None


def test_a_round_never_takes_more_points_than_it_allows(plan_world):
    w = plan_world
    t1, t2, t3 = w.themes_a[:3]
    with tenant_scope(w.a.tenant):
        plan = _plan(w.a, w.plan_a)
        row = rounds.create_round(
            plan,
            {
                "title": "Voorjaar",
                "opens_on": date(2026, 4, 1),
                "closes_on": date(2026, 5, 31),
                "points_per_member": 10,
            },
            actor=w.a.admin,
        )
        rounds.allocate(row, w.a.member, {t1: 6, t2: "4"}, today=TODAY)
        with pytest.raises(Invalid) as refused:
            rounds.allocate(row, w.a.member, {t1: 8, t2: 3}, today=TODAY)
        assert "11" in str(refused.value.errors[""]) and "10" in str(refused.value.errors[""])
        assert rounds.my_points(row, w.a.member) == {t1: 6, t2: 4}  # unchanged
        with pytest.raises(Invalid):
            rounds.allocate(row, w.a.member, {t1: -1}, today=TODAY)
        with pytest.raises(Invalid):
            rounds.allocate(row, w.a.member, {w.themes_b[0]: 1}, today=TODAY)
        with pytest.raises(Invalid):
            rounds.allocate(row, w.a.member, {t1: 1}, today=date(2026, 6, 1))  # closed period
        rounds.allocate(row, w.a.admin, {t3: 10}, today=TODAY)
        rounds.allocate(row, w.a.facilitator, {t2: 5, t3: 1}, today=TODAY)
        result = rounds.close_round(row, actor=w.a.admin)
        assert [(e["theme_id"], e["points"]) for e in result[:3]] == [(t3, 11), (t2, 9), (t1, 6)]
        assert [theme.id for theme in rounds.theme_order(plan)][:3] == [t3, t2, t1]
        with pytest.raises(Invalid):
            rounds.allocate(row, w.a.member, {t1: 1}, today=TODAY)  # closed
        with pytest.raises(Invalid) as refused:
            rounds.create_round(
                plan,
                {
                    "title": "x",
                    "opens_on": date(2026, 5, 1),
                    "closes_on": date(2026, 4, 1),
                    "points_per_member": 0,
                },
                actor=w.a.admin,
            )
        assert set(refused.value.errors) == {"closes_on", "points_per_member"}
    db.session.commit()
    with tenant_scope(w.b.tenant):
        assert db.session.scalar(select(func.count(Allocation.id))) == 0


def test_a_project_refuses_a_milestone_before_its_start(plan_world):
    w = plan_world
    values = {
        "title": "Collectieve zonnepanelen",
        "theme_id": str(w.themes_a[0]),
        "owner_company_id": str(w.company_a),
        "owner_contact_id": str(w.contact_a),
        "budget": "12.500,50",
        "funding": "subsidy",
        "funding_name": "",
        "status": "planned",
        "starts_on": "2026-03-01",
        "milestones": [("Haalbaarheid", "2026-02-01"), ("Aanbesteding", "2026-06-01")],
    }
    with tenant_scope(w.a.tenant):
        plan = _plan(w.a, w.plan_a)
        with pytest.raises(Invalid) as refused:
            projects.create_project(plan, values, actor=w.a.admin)
        assert set(refused.value.errors) == {"funding_name", "milestone_0"}
        assert db.session.scalar(select(func.count(Project.id))) == 0
        values.update(funding_name="Regio Deal", milestones=[("Aanbesteding", "2026-06-01")])
        project = projects.create_project(plan, values, actor=w.a.admin)
        assert project.budget == Decimal("12500.50") and project.version == 1
        assert [m.title for m in project.milestones] == ["Aanbesteding"]
        with pytest.raises(Invalid) as refused:
            projects.create_project(plan, {**values, "owner_company_id": str(w.company_b)}, actor=w.a.admin)
        assert "owner_company_id" in refused.value.errors
        project_id = project.id
    db.session.commit()
    with tenant_scope(w.b.tenant):
        assert db.session.get(Project, project_id) is None


def test_two_people_editing_one_project_the_second_is_refused(plan_world):
    w = plan_world
    with tenant_scope(w.a.tenant):
        plan = _plan(w.a, w.plan_a)
        project = projects.create_project(
            plan,
            {"title": "Glasvezel", "theme_id": w.themes_a[0], "starts_on": "2026-01-01"},
            actor=w.a.admin,
        )
        opened_by_both = project.version
        projects.update_project(
            project,
            {"title": "Glasvezel voor iedereen", "theme_id": w.themes_a[0], "starts_on": "2026-01-01"},
            expected_version=opened_by_both,
            actor=w.a.admin,
        )
        assert project.version == opened_by_both + 1
        with pytest.raises(StaleEdit) as refused:
            projects.update_project(
                project,
                {"title": "Glasvezel (oud formulier)", "theme_id": w.themes_a[0]},
                expected_version=opened_by_both,
                actor=w.a.member,
            )
        assert "Someone else changed this item" in str(refused.value.errors[""])
        assert project.title == "Glasvezel voor iedereen"
        # milestones alone also move the version on
        version = project.version
        projects.update_project(
            project,
            {
                "title": "Glasvezel voor iedereen",
                "theme_id": w.themes_a[0],
                "starts_on": "2026-01-01",
                "milestones": [("Schouw", "2026-02-01")],
            },
            expected_version=version,
            actor=w.a.admin,
        )
        db.session.flush()
        assert project.version == version + 1
        log = db.session.scalars(
            select(PlanChange).where(PlanChange.entity == "project").order_by(PlanChange.id)
        ).all()
        assert [c.action for c in log] == ["created", "updated", "updated"]
        assert log[1].changes["title"] == ["Glasvezel", "Glasvezel voor iedereen"]
        assert log[1].user_name == w.a.admin.name
    db.session.commit()
    with tenant_scope(w.b.tenant):
        assert db.session.scalar(select(func.count(PlanChange.id))) == 0


def test_goals_need_a_unit_and_show_progress(plan_world):
    w = plan_world
    with tenant_scope(w.a.tenant):
        plan = _plan(w.a, w.plan_a)
        with pytest.raises(Invalid) as refused:
            goals.create_goal(plan, {"title": "Startups", "baseline": "60", "target": "100"}, actor=w.a.admin)
        assert {"unit", "deadline"} <= set(refused.value.errors)
        goal = goals.create_goal(
            plan,
            {
                "title": "Nieuwe business cases per jaar",
                "unit": "business cases",
                "baseline": "60",
                "target": "100",
                "deadline": "2023-12-31",
            },
            actor=w.a.admin,
        )
        assert goals.progress(goal).on_track is None
        goals.add_measurement(goal, {"measured_on": "2020-01-01", "value": "60"}, actor=w.a.admin)
        goals.add_measurement(goal, {"measured_on": "2022-01-01", "value": "90"}, actor=w.a.admin)
        result = goals.progress(goal)
        assert result.latest == Decimal("90") and result.percent == 75 and result.on_track is True
        with pytest.raises(Invalid):
            goals.add_measurement(goal, {"measured_on": "gisteren", "value": "x"}, actor=w.a.admin)
        stale = goal.version
        goals.update_goal(
            goal,
            {
                "title": "Business cases",
                "unit": "cases",
                "baseline": "60",
                "target": "120",
                "deadline": "2023-12-31",
            },
            expected_version=stale,
            actor=w.a.admin,
        )
        with pytest.raises(StaleEdit):
            goals.update_goal(
                goal,
                {"title": "x", "unit": "cases", "baseline": "60", "target": "110", "deadline": "2023-12-31"},
                expected_version=stale,
                actor=w.a.member,
            )
        assert goal.target == Decimal("120")
    db.session.commit()


def test_current_situation_per_theme_is_versioned(plan_world):
    w = plan_world
    with tenant_scope(w.a.tenant):
        plan = _plan(w.a, w.plan_a)
        theme = db.session.get(Theme, w.themes_a[0])
        entry = plans.set_current_situation(
            plan, theme, "Veel daken zonder panelen.", expected_version=0, actor=w.a.admin
        )
        with pytest.raises(StaleEdit):
            plans.set_current_situation(
                plan, theme, "Tweede eerste versie", expected_version=0, actor=w.a.member
            )
        plans.set_current_situation(
            plan, theme, "Een derde heeft panelen.", expected_version=entry.version, actor=w.a.member
        )
        assert entry.current_situation == "Een derde heeft panelen."
        assert plans.scope_label(plan) == "Noord"
    db.session.commit()
