"""Editing projects and goals in place with htmx: "Edit" swaps the details for the
form, saving swaps them back; a refused save answers 422 with the message beside the
field (a goal without unit, a milestone before the project starts) and changes
nothing; a stale save (two people editing one item) answers 409 with the newer
version shown and the typed changes kept, never overwriting. Without JavaScript the
same routes are plain pages that redirect. Tenant B's people reach none of it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import goals, projects
from plugins.masterplan.models import Goal, PlanChange, Project
from tests.conftest import login

pytestmark = pytest.mark.both_databases

HTMX = {"HX-Request": "true"}


def _project(w, **values) -> tuple[int, int]:
    with tenant_scope(w.a.tenant):
        from plugins.masterplan.models import Masterplan

        plan = db.session.get(Masterplan, w.plan_a)
        row = projects.create_project(
            plan,
            {
                "title": "Collectieve zonnepanelen",
                "theme_id": str(w.themes_a[0]),
                "status": "planned",
                "starts_on": "2026-03-01",
                "milestones": [("Aanbesteding", "2026-06-01")],
                **values,
            },
            actor=w.a.admin,
        )
        db.session.commit()
        return row.id, row.version


def _goal(w) -> tuple[int, int]:
    with tenant_scope(w.a.tenant):
        from plugins.masterplan.models import Masterplan

        plan = db.session.get(Masterplan, w.plan_a)
        row = goals.create_goal(
            plan,
            {
                "title": "Nieuwe business cases per jaar",
                "unit": "cases",
                "baseline": "60",
                "target": "100",
                "deadline": "2027-12-31",
            },
            actor=w.a.admin,
        )
        db.session.commit()
        return row.id, row.version


def _project_data(w, version, **changes) -> dict:
    return {
        "title": "Collectieve zonnepanelen",
        "theme_id": str(w.themes_a[0]),
        "status": "planned",
        "starts_on": "2026-03-01",
        "milestones": "2026-06-01 Aanbesteding",
        "version": str(version),
        **changes,
    }


def _goal_data(version, **changes) -> dict:
    return {
        "title": "Nieuwe business cases per jaar",
        "unit": "cases",
        "baseline": "60",
        "target": "100",
        "deadline": "2027-12-31",
        "version": str(version),
        **changes,
    }


def _stored(tenant, model, row_id):
    db.session.expire_all()
    with tenant_scope(tenant):
        row = db.session.get(model, row_id)
        return None if row is None else (row.title, row.version)


def _error_beside(body: str, field: str) -> str:
    """The message in the field's own error element (tied to it by aria-describedby)."""
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', body)
    assert match, f"no error beside {field}"
    assert re.search(rf'aria-describedby="[^"]*{field}-error', body), f"{field} is not tied to its error"
    return match.group(1)


def test_a_project_is_edited_in_place(plan_world, login_as):
    w = plan_world
    project_id, version = _project(w)
    client = login_as(w.a.admin)
    base = f"/kring-a/masterplan/{w.plan_a}/projects/{project_id}"
    page = client.get(base).get_data(as_text=True)
    assert 'id="project-details"' in page and f'hx-get="{base}/edit"' in page
    # "Edit project" asks for the form as a fragment: no page around it, posting back in place.
    editor = client.get(f"{base}/edit", headers=HTMX)
    body = editor.get_data(as_text=True)
    assert editor.status_code == 200 and "<html" not in body
    assert 'id="project-details"' in body and f'hx-post="{base}/edit"' in body
    assert f'name="version" type="hidden" value="{version}"' in body
    assert "autofocus" in body
    saved = client.post(f"{base}/edit", data=_project_data(w, version, title="Zon op de daken"), headers=HTMX)
    body = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "<html" not in body
    assert "The project has been saved." in body and "<h1>Zon op de daken</h1>" in body
    assert _stored(w.a.tenant, Project, project_id) == ("Zon op de daken", version + 1)
    with tenant_scope(w.a.tenant):
        change = db.session.scalar(select(PlanChange).order_by(PlanChange.id.desc()))
        assert (change.entity, change.action, change.changes["title"]) == (
            "project",
            "updated",
            ["Collectieve zonnepanelen", "Zon op de daken"],
        )
    # Cancel asks for the details again as a fragment.
    details = client.get(base, headers=HTMX).get_data(as_text=True)
    assert "<html" not in details and "<h1>Zon op de daken</h1>" in details


def test_a_milestone_before_the_start_is_refused_beside_the_field_in_place(plan_world, login_as):
    w = plan_world
    project_id, version = _project(w)
    client = login_as(w.a.admin)
    refused = client.post(
        f"/kring-a/masterplan/{w.plan_a}/projects/{project_id}/edit",
        data=_project_data(w, version, title="Verschoven", milestones="2026-02-01 Haalbaarheid"),
        headers=HTMX,
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "<html" not in body and 'id="project-details"' in body
    assert "lies before the project starts" in _error_beside(body, "milestones")
    assert "Verschoven" in body  # what was typed stays in the form
    assert _stored(w.a.tenant, Project, project_id) == ("Collectieve zonnepanelen", version)


def test_a_stale_project_save_shows_the_newer_version_and_overwrites_nothing(plan_world, app):
    w = plan_world
    project_id, version = _project(w)
    first, second = app.test_client(), app.test_client()
    login(first, w.a.admin)
    login(second, w.a.facilitator)
    edit = f"/kring-a/masterplan/{w.plan_a}/projects/{project_id}/edit"
    # Both open the form at the same version; the first saves.
    for client in (first, second):
        assert f'value="{version}"' in client.get(edit, headers=HTMX).get_data(as_text=True)
    assert (
        first.post(edit, data=_project_data(w, version, title="Zon op de daken"), headers=HTMX).status_code
        == 200
    )
    # The second save is refused: their typed title stays, the newer version is shown beside it.
    refused = second.post(edit, data=_project_data(w, version, title="Zonneweide"), headers=HTMX)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "<html" not in body
    assert "Someone else saved this project after you opened it" in body
    assert "The project as it was saved meanwhile" in body and "<h3>Zon op de daken</h3>" in body
    assert f"Saved by {w.a.admin.name}" in body
    assert 'value="Zonneweide"' in body
    assert f'name="version" type="hidden" value="{version + 1}"' in body
    assert _stored(w.a.tenant, Project, project_id) == ("Zon op de daken", version + 1)
    # Saving again, now with the newer version in view, is a deliberate choice and goes through.
    again = second.post(edit, data=_project_data(w, version + 1, title="Zonneweide"), headers=HTMX)
    assert again.status_code == 200
    assert _stored(w.a.tenant, Project, project_id) == ("Zonneweide", version + 2)


def test_without_javascript_the_edit_is_a_page_that_redirects(plan_world, login_as):
    w = plan_world
    project_id, version = _project(w)
    goal_id, goal_version = _goal(w)
    client = login_as(w.a.admin)
    edit = f"/kring-a/masterplan/{w.plan_a}/projects/{project_id}/edit"
    page = client.get(edit)
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert "autofocus" not in page.get_data(as_text=True)
    saved = client.post(edit, data=_project_data(w, version, title="Zon op de daken"))
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/projects/{project_id}")
    stale = client.post(edit, data=_project_data(w, version, title="Zonneweide"))
    assert stale.status_code == 409 and "<html" in stale.get_data(as_text=True)
    assert "The project as it was saved meanwhile" in stale.get_data(as_text=True)
    goal_edit = f"/kring-a/masterplan/{w.plan_a}/goals/{goal_id}/edit"
    refused = client.post(goal_edit, data=_goal_data(goal_version, unit=""))
    assert refused.status_code == 422 and "<html" in refused.get_data(as_text=True)
    assert "Give the unit" in _error_beside(refused.get_data(as_text=True), "unit")
    saved = client.post(goal_edit, data=_goal_data(goal_version, target="120"))
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/goals/{goal_id}")


def test_a_goal_is_edited_in_place_and_refused_without_unit(plan_world, login_as):
    w = plan_world
    goal_id, version = _goal(w)
    client = login_as(w.a.admin)
    base = f"/kring-a/masterplan/{w.plan_a}/goals/{goal_id}"
    page = client.get(base).get_data(as_text=True)
    assert 'id="goal-details"' in page and f'hx-get="{base}/edit"' in page
    editor = client.get(f"{base}/edit", headers=HTMX).get_data(as_text=True)
    assert "<html" not in editor and f'hx-post="{base}/edit"' in editor
    refused = client.post(f"{base}/edit", data=_goal_data(version, unit="", title="Startups"), headers=HTMX)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "<html" not in body
    assert "Give the unit the goal is measured in" in _error_beside(body, "unit")
    assert 'value="Startups"' in body
    assert _stored(w.a.tenant, Goal, goal_id) == ("Nieuwe business cases per jaar", version)
    saved = client.post(f"{base}/edit", data=_goal_data(version, title="Startups per jaar"), headers=HTMX)
    body = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "<html" not in body
    assert "The goal has been saved." in body and "<h1>Startups per jaar</h1>" in body
    assert '<svg class="goal-chart"' in body  # the chart comes along with the details
    assert _stored(w.a.tenant, Goal, goal_id) == ("Startups per jaar", version + 1)


def test_a_stale_goal_save_shows_the_newer_version(plan_world, app):
    w = plan_world
    goal_id, version = _goal(w)
    first, second = app.test_client(), app.test_client()
    login(first, w.a.admin)
    login(second, w.a.facilitator)
    edit = f"/kring-a/masterplan/{w.plan_a}/goals/{goal_id}/edit"
    assert first.post(edit, data=_goal_data(version, target="150"), headers=HTMX).status_code == 200
    refused = second.post(edit, data=_goal_data(version, target="90", title="Minder"), headers=HTMX)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Someone else saved this goal after you opened it" in body
    assert "The goal as it was saved meanwhile" in body and "150" in body
    assert 'value="Minder"' in body and f'value="{version + 1}"' in body
    db.session.expire_all()
    with tenant_scope(w.a.tenant):
        goal = db.session.get(Goal, goal_id)
        assert (goal.title, str(goal.target), goal.version) == ("Nieuwe business cases per jaar", "150.00", 2)


def test_who_may_edit_in_place(plan_world, login_as):
    w = plan_world
    project_id, version = _project(w)
    goal_id, goal_version = _goal(w)
    project_edit = f"/kring-a/masterplan/{w.plan_a}/projects/{project_id}/edit"
    goal_edit = f"/kring-a/masterplan/{w.plan_a}/goals/{goal_id}/edit"
    client = login_as(w.a.member)  # neither the board nor the proposer
    page = client.get(f"/kring-a/masterplan/{w.plan_a}/projects/{project_id}").get_data(as_text=True)
    assert project_edit not in page
    assert client.get(project_edit, headers=HTMX).status_code == 403
    assert (
        client.post(project_edit, data=_project_data(w, version, title="X"), headers=HTMX).status_code == 403
    )
    assert client.get(goal_edit, headers=HTMX).status_code == 403
    assert client.post(goal_edit, data=_goal_data(goal_version, title="X"), headers=HTMX).status_code == 403
    client.post("/account/logout")
    # Tenant B's board finds neither, by A's address nor through its own tenant.
    login_as(w.b.admin)
    for url in (project_edit, goal_edit):
        assert client.get(url, headers=HTMX).status_code == 404
        assert client.post(url, data=_goal_data(1, title="X"), headers=HTMX).status_code == 404
        other = url.replace("/kring-a/", "/kring-b/").replace(f"/{w.plan_a}/", f"/{w.plan_b}/")
        assert client.get(other, headers=HTMX).status_code == 404
        assert client.post(other, data=_project_data(w, 1, title="X"), headers=HTMX).status_code == 404
    assert _stored(w.a.tenant, Project, project_id) == ("Collectieve zonnepanelen", version)
    assert _stored(w.a.tenant, Goal, goal_id) == ("Nieuwe business cases per jaar", goal_version)
    with tenant_scope(w.b.tenant):
        assert db.session.scalar(select(func.count(PlanChange.id))) == 0


def test_the_proposer_edits_in_place_but_keeps_the_status(plan_world, login_as):
    w = plan_world
    with tenant_scope(w.a.tenant):
        from plugins.masterplan.models import Masterplan

        row = projects.create_project(
            db.session.get(Masterplan, w.plan_a),
            {"title": "Deelfietsen", "theme_id": str(w.themes_a[1])},
            actor=w.a.member,
        )
        db.session.commit()
        project_id, version = row.id, row.version
    client = login_as(w.a.member)
    edit = f"/kring-a/masterplan/{w.plan_a}/projects/{project_id}/edit"
    editor = client.get(edit, headers=HTMX).get_data(as_text=True)
    assert 'name="status"' not in editor
    saved = client.post(
        edit,
        data={
            "title": "Deelfietsen op het terrein",
            "theme_id": str(w.themes_a[1]),
            "status": "running",
            "version": str(version),
        },
        headers=HTMX,
    )
    assert saved.status_code == 200
    db.session.expire_all()
    with tenant_scope(w.a.tenant):
        row = db.session.get(Project, project_id)
        assert (row.title, row.status.value) == ("Deelfietsen op het terrein", "idea")


def test_latest_change_is_the_items_own_newest_entry(plan_world):
    w = plan_world
    project_id, version = _project(w)
    goal_id, _ = _goal(w)
    from plugins.masterplan import conflicts

    with tenant_scope(w.a.tenant):
        row = db.session.get(Project, project_id)
        projects.update_project(
            row,
            {
                **_project_data(w, version, title="Zon op de daken"),
                "milestones": [("Aanbesteding", "2026-06-01")],
            },
            expected_version=version,
            actor=w.a.facilitator,
        )
        db.session.commit()
        change = conflicts.latest_change(w.plan_a, "project", project_id)
        assert (change.user_name, change.changes["title"][1]) == (w.a.facilitator.name, "Zon op de daken")
        assert conflicts.latest_change(w.plan_a, "goal", goal_id).action == "created"
        assert conflicts.latest_change(w.plan_a, "project", project_id + 1000) is None
    with tenant_scope(w.b.tenant):  # the wall: tenant B finds nothing of A's log
        assert conflicts.latest_change(w.plan_a, "project", project_id) is None
