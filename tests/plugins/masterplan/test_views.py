"""The pages: the plan (themes in priority order), a theme with wishes, challenges and
support added in place with htmx, projects and goals with forms that answer 422 with
the message beside the field, a stale edit refused, and the goal chart. Tenant B's
people never see or change tenant A's plans."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.masterplan.models import Goal, Item, Masterplan, Measurement, PriorityRound, Project, Support

HTMX = {"HX-Request": "true"}


def _count(tenant, model):
    with tenant_scope(tenant):
        return db.session.scalar(select(func.count(model.id)))


def test_a_member_adds_a_wish_and_supports_it_in_place(plan_world, login_as):
    w = plan_world
    client = login_as(w.a.member)
    theme = w.themes_a[0]
    page = client.get(f"/kring-a/masterplan/{w.plan_a}/themes/{theme}")
    assert page.status_code == 200
    refused = client.post(
        f"/kring-a/masterplan/{w.plan_a}/themes/{theme}/items",
        data={"item-kind": "wish", "item-text": ""},
        headers=HTMX,
    )
    assert refused.status_code == 422 and "Write the wish or challenge." in refused.get_data(as_text=True)
    added = client.post(
        f"/kring-a/masterplan/{w.plan_a}/themes/{theme}/items",
        data={"item-kind": "wish", "item-text": "Laadpalen bij de kantine"},
        headers=HTMX,
    )
    body = added.get_data(as_text=True)
    assert added.status_code == 200 and "Laadpalen bij de kantine" in body and "<html" not in body
    with tenant_scope(w.a.tenant):
        item_id = db.session.scalar(select(Item.id))
    client.post(f"/kring-a/masterplan/{w.plan_a}/items/{item_id}/support", headers=HTMX)
    assert _count(w.a.tenant, Support) == 1
    plan_page = client.get(f"/kring-a/masterplan/{w.plan_a}/").get_data(as_text=True)
    assert "Laadpalen bij de kantine" in plan_page
    client.post("/account/logout")
    login_as(w.b.member)
    assert client.get(f"/kring-a/masterplan/{w.plan_a}/").status_code == 404
    assert client.get(f"/kring-b/masterplan/{w.plan_a}/").status_code == 404
    assert client.post(f"/kring-b/masterplan/{w.plan_a}/items/{item_id}/support").status_code == 404
    assert (
        client.post(
            f"/kring-b/masterplan/{w.plan_a}/themes/{w.themes_b[0]}/items",
            data={"item-kind": "wish", "item-text": "x"},
        ).status_code
        == 404
    )
    assert _count(w.a.tenant, Support) == 1 and _count(w.a.tenant, Item) == 1
    assert "Masterplan Noord" not in client.get("/kring-b/masterplan/").get_data(as_text=True)


def test_a_project_with_a_milestone_before_its_start_is_refused_beside_the_field(plan_world, login_as):
    w = plan_world
    client = login_as(w.a.admin)
    data = {
        "title": "Collectieve zonnepanelen",
        "theme_id": str(w.themes_a[0]),
        "status": "planned",
        "starts_on": "2026-03-01",
        "budget": "12.500,00",
        "milestones": "2026-02-01 Haalbaarheid\n2026-06-01 Aanbesteding",
    }
    refused = client.post(f"/kring-a/masterplan/{w.plan_a}/projects/new", data=data)
    assert refused.status_code == 422
    assert "lies before the project starts" in refused.get_data(as_text=True)
    assert _count(w.a.tenant, Project) == 0
    data["milestones"] = "2026-06-01 Aanbesteding"
    saved = client.post(f"/kring-a/masterplan/{w.plan_a}/projects/new", data=data)
    assert saved.status_code == 303
    with tenant_scope(w.a.tenant):
        project = db.session.scalar(select(Project))
        project_id, version = project.id, project.version
    page = client.get(f"/kring-a/masterplan/{w.plan_a}/projects/{project_id}").get_data(as_text=True)
    assert "Aanbesteding" in page and "12,500" in page
    # two people opened the edit form at the same version; the second save is refused
    edit = f"/kring-a/masterplan/{w.plan_a}/projects/{project_id}/edit"
    first = client.post(edit, data={**data, "title": "Zon op de daken", "version": str(version)})
    assert first.status_code == 303
    second = client.post(edit, data={**data, "title": "Zonneweide", "version": str(version)})
    assert second.status_code == 409 and "Someone else saved this project" in second.get_data(as_text=True)
    db.session.expire_all()
    with tenant_scope(w.a.tenant):
        assert db.session.get(Project, project_id).title == "Zon op de daken"
    client.post("/account/logout")
    login_as(w.b.admin)
    assert client.get(f"/kring-a/masterplan/{w.plan_a}/projects/{project_id}").status_code == 404
    assert (
        client.post(f"/kring-b/masterplan/{w.plan_a}/projects/{project_id}/edit", data=data).status_code
        == 404
    )
    assert (
        client.post(f"/kring-b/masterplan/{w.plan_b}/projects/{project_id}/edit", data=data).status_code
        == 404
    )


def test_a_goal_needs_a_unit_and_shows_its_progress_as_a_chart(plan_world, login_as):
    w = plan_world
    client = login_as(w.a.admin)
    data = {
        "title": "Nieuwe business cases per jaar",
        "baseline": "60",
        "target": "100",
        "deadline": "2023-12-31",
    }
    refused = client.post(f"/kring-a/masterplan/{w.plan_a}/goals/new", data=data)
    assert refused.status_code == 422 and "Give the unit" in refused.get_data(as_text=True)
    assert (
        client.post(f"/kring-a/masterplan/{w.plan_a}/goals/new", data={**data, "unit": "cases"}).status_code
        == 303
    )
    with tenant_scope(w.a.tenant):
        goal_id = db.session.scalar(select(Goal.id))
    for day, value in (("2020-01-01", "60"), ("2022-01-01", "90")):
        response = client.post(
            f"/kring-a/masterplan/{w.plan_a}/goals/{goal_id}/measurements",
            data={"measured_on": day, "value": value},
        )
        assert response.status_code == 303
    page = client.get(f"/kring-a/masterplan/{w.plan_a}/goals/{goal_id}").get_data(as_text=True)
    assert '<svg class="goal-chart" role="img"' in page and "75%" in page
    client.post("/account/logout")
    login_as(w.a.member)  # a member reads but does not measure
    assert (
        client.post(
            f"/kring-a/masterplan/{w.plan_a}/goals/{goal_id}/measurements",
            data={"measured_on": "2023-01-01", "value": "1"},
        ).status_code
        == 403
    )
    client.post("/account/logout")
    login_as(w.b.admin)
    assert client.get(f"/kring-a/masterplan/{w.plan_a}/goals/{goal_id}").status_code == 404
    assert (
        client.post(
            f"/kring-b/masterplan/{w.plan_b}/goals/{goal_id}/measurements",
            data={"measured_on": "2023-01-01", "value": "1"},
        ).status_code
        == 404
    )
    assert _count(w.a.tenant, Measurement) == 2


@pytest.mark.parametrize("points, status", [({"a": 60, "b": 40}, 303), ({"a": 70, "b": 40}, 422)])
def test_a_round_refuses_more_points_than_it_allows(plan_world, login_as, points, status):
    w = plan_world
    admin = login_as(w.a.admin)
    today = date.today()
    created = admin.post(
        f"/kring-a/masterplan/{w.plan_a}/rounds/new",
        data={
            "title": "Voorjaar",
            "opens_on": date(today.year - 1, 1, 1).isoformat(),
            "closes_on": date(today.year + 1, 1, 1).isoformat(),
            "points_per_member": "100",
        },
    )
    assert created.status_code == 303
    url = created.headers["Location"]
    t1, t2 = w.themes_a[:2]
    response = admin.post(url, data={f"theme_{t1}": points["a"], f"theme_{t2}": points["b"]})
    assert response.status_code == status
    if status == 422:
        assert "this round allows 100" in response.get_data(as_text=True)
    admin.post(url.rstrip("/") + "/close")
    plan_page = admin.get(f"/kring-a/masterplan/{w.plan_a}/").get_data(as_text=True)
    assert "Voorjaar" in plan_page
    admin.post("/account/logout")
    login_as(w.b.member)
    assert admin.get(url).status_code == 404


def test_history_lists_who_changed_what(plan_world, login_as):
    w = plan_world
    client = login_as(w.a.admin)
    with tenant_scope(w.a.tenant):
        version = db.session.get(Masterplan, w.plan_a).version
    response = client.post(
        f"/kring-a/masterplan/{w.plan_a}/edit",
        data={
            "title": "Masterplan Noord 2027",
            "scope": "tenant",
            "status": "active",
            "version": str(version),
        },
    )
    assert response.status_code == 303
    page = client.get(f"/kring-a/masterplan/{w.plan_a}/history").get_data(as_text=True)
    assert "Masterplan Noord 2027" in page and w.a.admin.name in page
    client.post("/account/logout")
    login_as(w.b.admin)
    assert client.get(f"/kring-b/masterplan/{w.plan_a}/history").status_code == 404


def test_closing_a_round_asks_first(plan_world, login_as):
    """Closing ends the members' say for good: the button leads to a question, and only
    the answer closes the round. Tenant B's board reaches neither."""
    w = plan_world
    admin = login_as(w.a.admin)
    today = date.today()
    url = admin.post(
        f"/kring-a/masterplan/{w.plan_a}/rounds/new",
        data={
            "title": "Najaar",
            "opens_on": date(today.year - 1, 1, 1).isoformat(),
            "closes_on": date(today.year + 1, 1, 1).isoformat(),
            "points_per_member": "100",
        },
    ).headers["Location"]
    close = url.rstrip("/") + "/close"
    round_page = admin.get(url).get_data(as_text=True)
    assert f'href="{close}"' in round_page
    question = admin.get(close)
    assert question.status_code == 200 and "Close “Najaar”?" in question.get_data(as_text=True)
    with tenant_scope(w.a.tenant):
        assert (
            db.session.scalar(select(PriorityRound.closed_at).where(PriorityRound.title == "Najaar")) is None
        )
    admin.post("/account/logout")
    login_as(w.b.admin)
    assert admin.get(close.replace("/kring-a/", "/kring-b/")).status_code == 404
    assert admin.get(close).status_code in (403, 404)
    admin.post("/account/logout")
    login_as(w.a.admin)
    assert admin.post(close).status_code == 303
    with tenant_scope(w.a.tenant):
        assert (
            db.session.scalar(select(PriorityRound.closed_at).where(PriorityRound.title == "Najaar"))
            is not None
        )
    assert admin.get(close).status_code == 303  # a closed round has nothing left to ask


def test_a_project_without_dates_says_so_once(plan_world, login_as):
    w = plan_world
    with tenant_scope(w.a.tenant):
        project = Project(masterplan_id=w.plan_a, theme_id=w.themes_a[0], title="Laadplein")
        db.session.add(project)
        db.session.commit()
        project_id = project.id
    client = login_as(w.a.admin)
    body = client.get(f"/kring-a/masterplan/{w.plan_a}/projects/{project_id}").get_data(as_text=True)
    assert "Laadplein" in body and "– – –" not in body and "No dates yet" in body
    with tenant_scope(w.a.tenant):
        db.session.get(Project, project_id).starts_on = date(2027, 3, 1)
        db.session.commit()
    body = client.get(f"/kring-a/masterplan/{w.plan_a}/projects/{project_id}").get_data(as_text=True)
    assert "Mar 1, 2027 – –" in body
    assert client.get(f"/kring-b/masterplan/{w.plan_a}/projects/{project_id}").status_code == 404
