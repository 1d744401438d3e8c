"""The implementation view lists the plan's projects by theme priority with owners,
budgets and funding, filtered by theme and status; tenant B gets 404."""

from __future__ import annotations

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import projects
from plugins.masterplan.models import Masterplan


def test_projects_by_priority_filtered_by_theme_and_status(plan_world, login_as):
    w = plan_world
    with tenant_scope(w.a.tenant):
        plan = db.session.get(Masterplan, w.plan_a)
        projects.create_project(
            plan,
            {
                "title": "Zon op de daken",
                "theme_id": w.themes_a[0],
                "status": "running",
                "owner_company_id": w.company_a,
                "budget": "1000",
                "funding": "province",
            },
            actor=w.a.admin,
        )
        projects.create_project(
            plan,
            {"title": "Fietspad", "theme_id": w.themes_a[1], "status": "idea", "budget": "500"},
            actor=w.a.admin,
        )
    db.session.commit()
    client = login_as(w.a.member)
    page = client.get(f"/kring-a/masterplan/{w.plan_a}/implementation").get_data(as_text=True)
    assert page.index("Zon op de daken") < page.index("Fietspad")
    assert "Alpha Bouw BV" in page and "1,500" in page
    running = client.get(f"/kring-a/masterplan/{w.plan_a}/implementation?status=running").get_data(
        as_text=True
    )
    assert "Zon op de daken" in running and "Fietspad" not in running
    by_theme = client.get(f"/kring-a/masterplan/{w.plan_a}/implementation?theme={w.themes_a[1]}").get_data(
        as_text=True
    )
    assert "Fietspad" in by_theme and "Zon op de daken" not in by_theme
    assert (
        client.get(f"/kring-a/masterplan/{w.plan_a}/implementation?status=x&theme=99999999999").status_code
        == 200
    )
    client.post("/account/logout")
    login_as(w.b.member)
    assert client.get(f"/kring-a/masterplan/{w.plan_a}/implementation").status_code == 404
    assert client.get(f"/kring-b/masterplan/{w.plan_a}/implementation").status_code == 404
