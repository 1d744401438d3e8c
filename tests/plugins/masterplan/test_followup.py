"""A poll's cooperation match becomes a project proposal: the hook offers the board one
button per plan, and the POST adds an idea on the theme with the matched companies of
this tenant as interested parties (tenant B's companies are dropped, B cannot post to A)."""

from __future__ import annotations

from flask import g
from flask_login import login_user
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.pluginhost.gating import hooks
from kringwerk.pluginhost.manifest import CooperationMatch
from kringwerk.tenancy import tenant_scope
from plugins.masterplan.models import PlanChange, Project, ProjectStatus


def test_the_board_is_offered_a_proposal_per_plan(plan_world, app):
    w = plan_world
    match = CooperationMatch(w.themes_a[0], "Energie", 4, 1, (w.company_a,), "Peiling Aalsvoort")
    with app.test_request_context("/kring-a/polls/"), tenant_scope(w.a.tenant):
        login_user(w.a.admin)
        g.tenant = w.a.tenant  # what the tenant's URL sets in a request
        offers = [
            o
            for result in hooks(w.a.tenant).followup_offers(tenant=w.a.tenant, user=w.a.admin, match=match)
            for o in result
        ]
    mine = [offer for offer in offers if offer.plugin == "masterplan"]
    assert [offer.values for offer in mine] == [{"masterplan_id": w.plan_a}]  # not B's plan
    with app.test_request_context("/kring-a/polls/"), tenant_scope(w.a.tenant):
        login_user(w.a.member)
        g.tenant = w.a.tenant
        g.pop("_kringwerk_memberships", None)  # g outlives the request context in this test's app context
        results = hooks(w.a.tenant).followup_offers(tenant=w.a.tenant, user=w.a.member, match=match)
    assert not [
        o for result in results for o in result if o.plugin == "masterplan"
    ]  # members are not offered it


def test_a_match_becomes_a_project_proposal_with_the_interested_companies(plan_world, login_as):
    w = plan_world
    client = login_as(w.a.admin)
    response = client.post(
        f"/kring-a/masterplan/{w.plan_a}/from-match",
        data={
            "theme_id": str(w.themes_a[0]),
            "company_ids": [str(w.company_a), str(w.company_b)],
            "source": "Peiling Aalsvoort",
        },
    )
    assert response.status_code == 303
    with tenant_scope(w.a.tenant):
        project = db.session.scalar(select(Project))
        assert project.status == ProjectStatus.IDEA and project.theme_id == w.themes_a[0]
        assert project.interested_company_ids == [w.company_a]  # B's company stays out
        assert "Peiling Aalsvoort" in project.description
        assert db.session.scalar(select(PlanChange).where(PlanChange.entity_id == project.id)) is not None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Alpha Bouw BV" in page
    client.post("/account/logout")
    login_as(w.b.admin)
    assert (
        client.post(
            f"/kring-b/masterplan/{w.plan_a}/from-match", data={"theme_id": str(w.themes_b[0])}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/kring-b/masterplan/{w.plan_b}/from-match", data={"theme_id": str(w.themes_a[0])}
        ).status_code
        == 404
    )  # A's theme is not B's
    with tenant_scope(w.b.tenant):
        assert db.session.scalar(select(Project)) is None
