"""Projects contribute to goals and link to events. A project counts toward goals of its
own tenant only (another tenant's goal is refused and nothing changes); a goal lists its
projects with owner and status; every link and unlink lands in the plan's history and the
audit trail. Events come through the ``linkable_events`` hook: where the events plugin is
off the section is hidden and the stored links stay harmless; the masterplan plugin never
imports the events plugin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.pluginhost.services import disable_plugin, enable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.events.models import Event, EventState
from plugins.masterplan import contributions, event_links, goals, projects
from plugins.masterplan.changes import Invalid
from plugins.masterplan.models import Masterplan, PlanChange, Project, ProjectEvent, ProjectGoal

GOAL = {
    "title": "Nieuwe business cases",
    "unit": "cases",
    "baseline": "60",
    "target": "100",
    "deadline": "2027-12-31",
}


def _goal(tenant, plan_id, actor, **values) -> int:
    with tenant_scope(tenant):
        goal = goals.create_goal(db.session.get(Masterplan, plan_id), {**GOAL, **values}, actor=actor)
        db.session.commit()
        return goal.id


def _project(tenant, plan_id, theme_id, actor, **values) -> int:
    with tenant_scope(tenant):
        project = projects.create_project(
            db.session.get(Masterplan, plan_id),
            {"title": "Startersloket", "theme_id": theme_id, **values},
            actor=actor,
        )
        db.session.commit()
        return project.id


def _event(tenant, title, *, state=EventState.PUBLISHED, days=14) -> int:
    with tenant_scope(tenant):
        start = datetime.now(UTC) + timedelta(days=days)
        event = Event(title=title, starts_at=start, ends_at=start + timedelta(hours=2), state=state)
        db.session.add(event)
        db.session.commit()
        return event.id


def _count(tenant, model) -> int:
    with tenant_scope(tenant):
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.both_databases
def test_a_project_contributes_to_goals_of_its_own_tenant(plan_world):
    w = plan_world
    goal_a = _goal(w.a.tenant, w.plan_a, w.a.admin)
    with tenant_scope(w.a.tenant):
        other_plan = Masterplan(title="Masterplan Zuid")
        db.session.add(other_plan)
        db.session.commit()
        other_plan_id = other_plan.id
    goal_elsewhere = _goal(w.a.tenant, other_plan_id, w.a.admin, title="Banen in de techniek")
    goal_b = _goal(w.b.tenant, w.plan_b, w.b.admin)
    project_a = _project(
        w.a.tenant,
        w.plan_a,
        w.themes_a[0],
        w.a.admin,
        owner_company_id=w.company_a,
        owner_contact_id=w.contact_a,
        status="running",
    )
    with tenant_scope(w.a.tenant):
        project = db.session.get(Project, project_a)
        contributions.link(project, str(goal_a), actor=w.a.admin)
        contributions.link(project, goal_elsewhere, actor=w.a.admin)
        db.session.commit()
        for bad, message in (
            (goal_b, "Choose a goal of this association."),  # tenant B's goal: not found here
            ("x", "Choose a goal of this association."),
            (str(2**40), "Choose a goal of this association."),
            (goal_a, "This project already contributes to this goal."),
        ):
            with pytest.raises(Invalid) as refused:
                contributions.link(project, bad, actor=w.a.admin)
            db.session.rollback()
            assert str(refused.value.errors["goal_id"]) == message
        project = db.session.get(Project, project_a)
        assert [g.id for _, g in contributions.project_goals(project)] == [goal_a, goal_elsewhere]
        assert [title for _, title in contributions.goal_choices(project)] == []  # both taken
        (contributor,) = contributions.contributors(db.session.get(goals.Goal, goal_a))
        assert (contributor.title, contributor.company, contributor.contact, contributor.status.value) == (
            "Startersloket",
            "Alpha Bouw BV",
            "Anna",
            "running",
        )
        # The history of both plans says it: the project's goals, and the other plan's goal's projects.
        logged = db.session.scalars(
            select(PlanChange).where(
                PlanChange.entity.in_(("project", "goal")), PlanChange.action == "updated"
            )
        ).all()
        assert any(c.masterplan_id == w.plan_a and "goals" in c.changes for c in logged)
        assert any(
            c.masterplan_id == other_plan_id and c.changes.get("projects") == ["", "Startersloket"]
            for c in logged
        )
        audit = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("masterplan.%"))
        ).all()
        assert audit.count("masterplan.project_goal_linked") == 2
        link = db.session.scalar(select(ProjectGoal).where(ProjectGoal.goal_id == goal_a))
        contributions.unlink(link, actor=w.a.admin)
        db.session.commit()
        assert {g.id for _, g in contributions.project_goals(db.session.get(Project, project_a))} == {
            goal_elsewhere
        }
        assert "masterplan.project_goal_unlinked" in db.session.scalars(select(AuditEntry.action)).all()
    assert _count(w.a.tenant, ProjectGoal) == 1
    assert _count(w.b.tenant, ProjectGoal) == 0  # B's goal was never linked, and B sees none of A's
    with tenant_scope(w.b.tenant):
        assert contributions.contributors(db.session.get(goals.Goal, goal_b)) == []


@pytest.mark.both_databases
def test_a_project_links_events_of_its_calendar_while_the_events_plugin_is_on(plan_world):
    w = plan_world
    enable_plugin(w.a.tenant, "events")
    enable_plugin(w.b.tenant, "events")
    db.session.commit()
    project_a = _project(w.a.tenant, w.plan_a, w.themes_a[0], w.a.admin)
    meeting = _event(w.a.tenant, "Themabijeenkomst energie")
    draft = _event(w.a.tenant, "Nog geheim", state=EventState.DRAFT)
    cancelled = _event(w.a.tenant, "Afgelast", state=EventState.CANCELLED)
    of_b = _event(w.b.tenant, "Bijeenkomst van B")
    with tenant_scope(w.a.tenant):
        project = db.session.get(Project, project_a)
        offered = event_links.offered(w.a.tenant, project)
        assert [e.title for e in offered] == ["Themabijeenkomst energie"]  # no draft, no cancelled, not B's
        event_links.link(w.a.tenant, project, str(meeting), actor=w.a.admin)
        db.session.commit()
        for bad, message in (
            (of_b, "Choose an event from the association's calendar."),
            (draft, "Choose an event from the association's calendar."),
            (2**40, "Choose an event from the association's calendar."),
            ("", "Choose an event from the association's calendar."),
            (cancelled, "This event has been cancelled."),
            (meeting, "This event is already linked to the project."),
        ):
            with pytest.raises(Invalid) as refused:
                event_links.link(w.a.tenant, project, bad, actor=w.a.admin)
            db.session.rollback()
            assert str(refused.value.errors["event_id"]) == message
        # The page shows the calendar's current title; a removed event keeps the one it had.
        db.session.get(Event, meeting).title = "Themabijeenkomst energie en warmte"
        db.session.commit()
        project = db.session.get(Project, project_a)
        (shown,) = event_links.linked(w.a.tenant, project)
        assert shown.title == "Themabijeenkomst energie en warmte" and shown.url.endswith(
            f"/kring-a/events/{meeting}"
        )
        assert not shown.gone and not shown.cancelled
        assert "masterplan.project_event_linked" in db.session.scalars(select(AuditEntry.action)).all()
        assert [
            c.changes["events"] for c in db.session.scalars(select(PlanChange)) if "events" in c.changes
        ] == [[None, "Themabijeenkomst energie"]]
    assert _count(w.b.tenant, ProjectEvent) == 0

    # Switched off: the section is hidden, linking is refused, the stored link stays.
    disable_plugin(w.a.tenant, "events")
    db.session.commit()
    with tenant_scope(w.a.tenant):
        project = db.session.get(Project, project_a)
        assert event_links.linked(w.a.tenant, project) is None
        assert event_links.offered(w.a.tenant, project) is None
        with pytest.raises(Invalid) as refused:
            event_links.link(w.a.tenant, project, meeting, actor=w.a.admin)
        db.session.rollback()
        assert "not switched on" in str(refused.value.errors["event_id"])
    assert _count(w.a.tenant, ProjectEvent) == 1

    # Back on, and the event removed from the calendar: the link shows what it was.
    enable_plugin(w.a.tenant, "events")
    with tenant_scope(w.a.tenant):
        db.session.delete(db.session.get(Event, meeting))
        db.session.commit()
        project = db.session.get(Project, project_a)
        (shown,) = event_links.linked(w.a.tenant, project)
        assert (shown.title, shown.url, shown.gone) == ("Themabijeenkomst energie", None, True)
        link = db.session.scalar(select(ProjectEvent))
        event_links.unlink(link, actor=w.a.admin)
        db.session.commit()
        assert event_links.linked(w.a.tenant, db.session.get(Project, project_a)) == []
        assert "masterplan.project_event_unlinked" in db.session.scalars(select(AuditEntry.action)).all()


def test_the_masterplan_plugin_never_imports_the_events_plugin():
    package = Path(__file__).resolve().parents[3] / "plugins" / "masterplan"
    for path in package.rglob("*.py"):
        assert "plugins.events" not in path.read_text(encoding="utf-8"), path


HTMX = {"HX-Request": "true"}


@pytest.mark.both_databases
def test_the_pages_link_and_unlink_and_tenant_b_reaches_nothing(plan_world, login_as):
    w = plan_world
    enable_plugin(w.a.tenant, "events")
    db.session.commit()
    goal_a = _goal(w.a.tenant, w.plan_a, w.a.admin)
    goal_b = _goal(w.b.tenant, w.plan_b, w.b.admin)
    project_a = _project(
        w.a.tenant, w.plan_a, w.themes_a[0], w.a.admin, owner_company_id=w.company_a, status="planned"
    )
    meeting = _event(w.a.tenant, "Themabijeenkomst energie")
    base = f"/kring-a/masterplan/{w.plan_a}"
    client = login_as(w.a.admin)
    page = client.get(f"{base}/projects/{project_a}").get_data(as_text=True)
    assert "Contributes to goals" in page and "does not contribute to a goal yet" in page
    assert 'id="project-events-heading"' in page and "Themabijeenkomst energie" in page

    refused = client.post(f"{base}/projects/{project_a}/goals", data={"goal_id": goal_b}, headers=HTMX)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Choose a goal of this association." in body and "<html" not in body
    refused = client.post(f"{base}/projects/{project_a}/goals", data={"goal_id": goal_b})
    assert refused.status_code == 422 and "Choose a goal of this association." in refused.get_data(
        as_text=True
    )
    assert _count(w.a.tenant, ProjectGoal) == 0 and _count(w.b.tenant, ProjectGoal) == 0

    linked = client.post(f"{base}/projects/{project_a}/goals", data={"goal_id": goal_a}, headers=HTMX)
    assert linked.status_code == 200 and "The project now contributes to the goal." in linked.get_data(
        as_text=True
    )
    event = client.post(f"{base}/projects/{project_a}/events", data={"event_id": meeting})
    assert event.status_code == 303
    unknown = client.post(f"{base}/projects/{project_a}/events", data={"event_id": "424242"}, headers=HTMX)
    assert unknown.status_code == 422 and "Choose an event from the association" in unknown.get_data(
        as_text=True
    )
    page = client.get(f"{base}/projects/{project_a}").get_data(as_text=True)
    assert f'href="/kring-a/events/{meeting}"' in page and "Nieuwe business cases" in page
    goal_page = client.get(f"{base}/goals/{goal_a}").get_data(as_text=True)
    assert (
        "Contributing projects" in goal_page and "Startersloket" in goal_page and "Alpha Bouw BV" in goal_page
    )
    assert "Planned" in goal_page
    with tenant_scope(w.a.tenant):
        link_id = db.session.scalar(select(ProjectGoal.id))
        event_link_id = db.session.scalar(select(ProjectEvent.id))

    # Tenant B's people reach none of it, under either tenant's address.
    client.post("/account/logout")
    login_as(w.b.admin)
    for url in (
        f"{base}/projects/{project_a}/goals",
        f"/kring-b/masterplan/{w.plan_a}/projects/{project_a}/goals",
        f"{base}/projects/{project_a}/goals/{link_id}/unlink",
        f"/kring-b/masterplan/{w.plan_a}/projects/{project_a}/events/{event_link_id}/unlink",
        f"/kring-b/masterplan/{w.plan_a}/goals/{goal_a}/projects/{link_id}/unlink",
    ):
        assert client.post(url, data={"goal_id": goal_a}).status_code == 404, url
    assert client.get(f"{base}/goals/{goal_a}").status_code == 404
    # A member of A who did not propose the project may not change its links.
    client.post("/account/logout")
    login_as(w.a.member)
    assert client.post(f"{base}/projects/{project_a}/goals/{link_id}/unlink").status_code == 403
    assert client.post(f"{base}/goals/{goal_a}/projects/{link_id}/unlink").status_code == 403
    page = client.get(f"{base}/projects/{project_a}").get_data(as_text=True)
    assert "Nieuwe business cases" in page and "Unlink" not in page
    assert _count(w.a.tenant, ProjectGoal) == 1 and _count(w.a.tenant, ProjectEvent) == 1

    # The board unlinks from the goal's page; with events off the section is hidden.
    client.post("/account/logout")
    login_as(w.a.admin)
    gone = client.post(f"{base}/goals/{goal_a}/projects/{link_id}/unlink", headers=HTMX)
    assert gone.status_code == 200 and "No project contributes to this goal yet." in gone.get_data(
        as_text=True
    )
    again = client.post(f"{base}/goals/{goal_a}/projects", data={"project_id": project_a})
    assert again.status_code == 303 and _count(w.a.tenant, ProjectGoal) == 1
    disable_plugin(w.a.tenant, "events")
    db.session.commit()
    page = client.get(f"{base}/projects/{project_a}").get_data(as_text=True)
    assert 'id="project-events-heading"' not in page and "Themabijeenkomst" not in page
    refused = client.post(f"{base}/projects/{project_a}/events", data={"event_id": meeting}, headers=HTMX)
    assert refused.status_code == 422 and "not switched on" in refused.get_data(as_text=True)
    assert _count(w.a.tenant, ProjectEvent) == 1


def test_erasing_a_member_keeps_the_links_but_not_who_made_them(plan_world):
    from kringwerk.pluginhost.gating import all_hooks

    w = plan_world
    goal_a = _goal(w.a.tenant, w.plan_a, w.a.admin)
    goal_b = _goal(w.b.tenant, w.plan_b, w.b.admin)
    project_a = _project(w.a.tenant, w.plan_a, w.themes_a[0], w.a.member)
    project_b = _project(w.b.tenant, w.plan_b, w.themes_b[0], w.b.admin)
    with tenant_scope(w.a.tenant):
        contributions.link(db.session.get(Project, project_a), goal_a, actor=w.a.member)
        db.session.commit()
    with tenant_scope(w.b.tenant):
        contributions.link(db.session.get(Project, project_b), goal_b, actor=w.a.member)  # same person, in B
        db.session.commit()
    with tenant_scope(w.a.tenant):
        all_hooks().member_erase(tenant=w.a.tenant, user=w.a.member)
    db.session.commit()
    with tenant_scope(w.a.tenant):
        assert db.session.scalars(select(ProjectGoal.linked_by_id)).all() == [None]
    with tenant_scope(w.b.tenant):
        assert db.session.scalars(select(ProjectGoal.linked_by_id)).all() == [w.a.member.id]


def test_the_links_sections_speak_dutch(plan_world, login_as):
    w = plan_world
    w.a.tenant.default_locale = "nl"
    db.session.commit()
    goal_a = _goal(w.a.tenant, w.plan_a, w.a.admin)
    project_a = _project(w.a.tenant, w.plan_a, w.themes_a[0], w.a.admin)
    client = login_as(w.a.admin)
    text = client.get(f"/kring-a/masterplan/{w.plan_a}/projects/{project_a}").get_data(as_text=True)
    assert "Draagt bij aan doelen" in text and "Bijdragen aan dit doel" in text
    text = client.get(f"/kring-a/masterplan/{w.plan_a}/goals/{goal_a}").get_data(as_text=True)
    assert "Bijdragende projecten" in text


@pytest.mark.both_databases
def test_a_link_added_in_parallel_is_refused_by_the_unique_key_not_a_server_error(plan_world):
    w = plan_world
    goal_a = _goal(w.a.tenant, w.plan_a, w.a.admin)
    project_a = _project(w.a.tenant, w.plan_a, w.themes_a[0], w.a.admin)
    with tenant_scope(w.a.tenant):
        contributions.link(db.session.get(Project, project_a), goal_a, actor=w.a.admin)
        # What a second request finds when it passed the check at the same moment:
        with pytest.raises(Invalid) as refused:
            contributions.add_once(ProjectGoal(project_id=project_a, goal_id=goal_a), {"goal_id": "already"})
        assert refused.value.errors == {"goal_id": "already"}
        db.session.commit()  # the first link survives the refused savepoint
    assert _count(w.a.tenant, ProjectGoal) == 1
