"""Publishing "the plan as adopted on <date>" keeps its text; two versions are compared
side by side (added, removed, changed lines). Tenant B neither sees nor compares A's."""

from __future__ import annotations

from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import plans, versions
from plugins.masterplan.models import Masterplan, PlanSnapshot


def test_compare_lines_up_the_changes():
    rows = versions.compare(["a", "b", "c"], ["a", "c", "d"])
    assert [(r.left, r.right, r.change) for r in rows] == [
        ("a", "a", "same"),
        ("b", None, "removed"),
        ("c", "c", "same"),
        (None, "d", "added"),
    ]


def test_publish_two_versions_and_compare_them(plan_world, login_as):
    w = plan_world
    client = login_as(w.a.admin)
    refused = client.post(f"/kring-a/masterplan/{w.plan_a}/versions", data={"adopted_on": "morgen"})
    assert refused.status_code == 303
    assert (
        client.post(f"/kring-a/masterplan/{w.plan_a}/versions", data={"adopted_on": "2026-01-15"}).status_code
        == 303
    )
    with tenant_scope(w.a.tenant):
        plans.add_item(
            db.session.get(Masterplan, w.plan_a),
            "wish",
            w.themes_a[0],
            "Een gezamenlijk energiecontract",
            actor=w.a.admin,
        )
    db.session.commit()
    assert (
        client.post(
            f"/kring-a/masterplan/{w.plan_a}/versions",
            data={"adopted_on": "2026-06-01", "label": "Vastgesteld juni"},
        ).status_code
        == 303
    )
    with tenant_scope(w.a.tenant):
        first, second = db.session.scalars(select(PlanSnapshot.id).order_by(PlanSnapshot.id)).all()
        # Unnamed, the version is named on the page in the reader's language.
        assert db.session.get(PlanSnapshot, first).label == ""
    history = client.get(f"/kring-a/masterplan/{w.plan_a}/history").get_data(as_text=True)
    assert "Vastgesteld juni" in history and "The plan as adopted on January 15, 2026" in history
    page = client.get(f"/kring-a/masterplan/{w.plan_a}/versions/compare?old={first}&new={second}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<ins>• Een gezamenlijk energiecontract</ins>" in body
    client.post("/account/logout")
    login_as(w.b.admin)
    assert (
        client.get(f"/kring-b/masterplan/{w.plan_b}/versions/compare?old={first}&new={second}").status_code
        == 404
    )
    assert (
        client.post(f"/kring-b/masterplan/{w.plan_a}/versions", data={"adopted_on": "2026-01-15"}).status_code
        == 404
    )
    with tenant_scope(w.b.tenant):
        assert db.session.scalar(select(PlanSnapshot)) is None


def test_a_history_without_changes_says_so(plan_world, client, login_as):
    w = plan_world
    login_as(w.a.admin)
    history = client.get(f"/kring-a/masterplan/{w.plan_a}/history").get_data(as_text=True)
    assert "No changes have been recorded yet." in history and "<table" not in history
    with tenant_scope(w.a.tenant):
        plans.add_item(
            db.session.get(Masterplan, w.plan_a), "wish", w.themes_a[0], "Laadpalen", actor=w.a.admin
        )
    db.session.commit()
    history = client.get(f"/kring-a/masterplan/{w.plan_a}/history").get_data(as_text=True)
    assert "No changes have been recorded yet." not in history and "<table" in history
    assert client.get(f"/kring-a/masterplan/{w.plan_b}/history").status_code == 404


def test_the_comparison_shows_theme_headings_without_markup(plan_world, client, login_as):
    w = plan_world
    login_as(w.a.admin)
    with tenant_scope(w.a.tenant):
        plan = db.session.get(Masterplan, w.plan_a)
        plans.add_item(plan, "wish", w.themes_a[0], "Laadpalen", actor=w.a.admin)
        first = versions.publish(plan, {"adopted_on": "2026-01-15"}, actor=w.a.admin).id
        plans.add_item(plan, "wish", w.themes_a[0], "Zonnedaken", actor=w.a.admin)
        second = versions.publish(plan, {"adopted_on": "2026-06-01"}, actor=w.a.admin).id
        db.session.commit()
    body = client.get(f"/kring-a/masterplan/{w.plan_a}/versions/compare?old={first}&new={second}").get_data(
        as_text=True
    )
    assert "<ins>• Zonnedaken</ins>" in body
    assert "## " not in body and "<strong>1. " in body
    assert (
        client.get(f"/kring-b/masterplan/{w.plan_a}/versions/compare?old={first}&new={second}").status_code
        == 404
    )
