"""The history in words: field names as translated labels, enum values as their labels,
money, numbers and dates in the reader's language, and ids as names, in English and in
Dutch; the history page shows them; tenant B never reads A's history."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import change_labels, goals, plans, projects
from plugins.masterplan.change_labels import FieldChange
from plugins.masterplan.models import Masterplan, PlanChange, Project
from tests.web.conftest import page


def _history(w) -> dict:
    """A plan moved to the whole association and made active, a project added and changed,
    a goal added with a measurement; returns the ids."""
    with tenant_scope(w.a.tenant):
        plan = db.session.get(Masterplan, w.plan_a)
        plans.update_plan(
            plan,
            {"title": plan.title, "scope": "tenant", "status": "active"},
            expected_version=plan.version,
            actor=w.a.admin,
        )
        project = projects.create_project(
            plan,
            {
                "title": "Zonnedaken",
                "theme_id": str(w.themes_a[0]),
                "budget": "12.500,50",
                "funding": "province",
                "status": "idea",
                "starts_on": "2026-05-01",
                "milestones": [("Offertes binnen", "2026-06-15")],
            },
            actor=w.a.admin,
        )
        projects.update_project(
            project,
            {
                "title": "Zonnedaken",
                "theme_id": str(w.themes_a[0]),
                "budget": "15000",
                "funding": "subsidy",
                "funding_name": "SDE++",
                "status": "running",
                "starts_on": "2026-05-01",
                "owner_company_id": str(w.company_a),
                "milestones": [("Offertes binnen", "2026-06-15")],
            },
            expected_version=project.version,
            actor=w.a.admin,
        )
        goal = goals.create_goal(
            plan,
            {
                "title": "Zonnepanelen",
                "unit": "daken",
                "baseline": "4",
                "target": "1250,5",
                "deadline": "2030-12-31",
            },
            actor=w.a.admin,
        )
        goals.add_measurement(goal, {"measured_on": "2027-03-01", "value": "40"}, actor=w.a.admin)
        db.session.commit()
        return {"project": project.id, "goal": goal.id}


def _rows(w):
    changes = db.session.scalars(
        select(PlanChange).where(PlanChange.masterplan_id == w.plan_a).order_by(PlanChange.id)
    ).all()
    return {(row.change.entity, row.change.action): row for row in change_labels.describe_page(changes)}


def _fields(row) -> dict:
    return {item.label: item for item in row.fields}


@pytest.mark.both_databases
def test_changes_read_in_english_and_in_dutch(plan_world):
    w = plan_world
    ids = _history(w)
    with tenant_scope(w.a.tenant):
        with force_locale("en"):
            rows = _rows(w)
            changed = rows[("project", "updated")]
            assert changed.what == "Project “Zonnedaken”: changed"  # named, not numbered
            fields = _fields(changed)
            assert fields["Status"] == FieldChange("Status", "Idea", "Running")
            assert fields["Budget"] == FieldChange("Budget", "€12,500.50", "€15,000.00")
            assert fields["Funding"] == FieldChange("Funding", "Province", "Subsidy")
            assert fields["Name of the subsidy"] == FieldChange("Name of the subsidy", "–", "SDE++")
            assert fields["Owner (company)"] == FieldChange("Owner (company)", "–", "Alpha Bouw BV")
            added = _fields(rows[("project", "created")])
            assert added["Starts on"] == FieldChange("Starts on", None, "May 1, 2026")
            assert added["Milestones"].after == "Offertes binnen (June 15, 2026)"
            assert added["Theme"].after == db.session.get(type(plans.themes()[0]), w.themes_a[0]).name_en
            plan = _fields(rows[("plan", "updated")])
            assert plan["Status"] == FieldChange("Status", "Draft", "Active")
            assert plan["The plan is for"] == FieldChange(
                "The plan is for", "A circle", "The whole association"
            )
            assert plan["Circle"] == FieldChange("Circle", "Noord", "–")
            goal = _fields(rows[("goal", "created")])
            assert goal["Target value"].after == "1,250.5"
            assert goal["Deadline"].after == "December 31, 2030"
            measured = rows[("measurement", "created")]
            assert measured.what == "Measurement “Zonnepanelen”: added"
            assert _fields(measured)["Measured on"].after == "March 1, 2027"
        with force_locale("nl"):
            rows = _rows(w)
            changed = rows[("project", "updated")]
            assert changed.what == "Project “Zonnedaken”: gewijzigd"
            fields = _fields(changed)
            assert (fields["Status"].before, fields["Status"].after) == ("Idee", "Loopt")
            budget = fields["Budget"]
            assert budget.before.startswith("€") and budget.before.endswith("12.500,50")
            assert budget.after.endswith("15.000,00")
            assert (fields["Financiering"].before, fields["Financiering"].after) == ("Provincie", "Subsidie")
            assert fields["Eigenaar (bedrijf)"].after == "Alpha Bouw BV"
            added = _fields(rows[("project", "created")])
            assert added["Start op"].after == "1 mei 2026"
            plan = _fields(rows[("plan", "updated")])
            assert (plan["Status"].before, plan["Status"].after) == ("Concept", "Actief")
            goal = _fields(rows[("goal", "created")])
            assert goal["Streefwaarde"].after == "1.250,5"
            assert goal["Uiterste datum"].after == "31 december 2030"
    with tenant_scope(w.b.tenant):  # B reads none of A's history
        assert db.session.scalars(select(PlanChange).where(PlanChange.masterplan_id == w.plan_a)).all() == []
        assert db.session.get(Project, ids["project"]) is None


def test_an_unknown_key_and_odd_stored_values_still_read(plan_world):
    w = plan_world
    with tenant_scope(w.a.tenant), force_locale("en"):
        lookups = change_labels.Lookups.load([])
        assert change_labels.field_label("owner_name") == "Owner name"
        assert change_labels.entity_label("park_step") == "Step of the implementation plan"
        assert change_labels.value_text("project", "status", "gone", lookups) == "gone"
        assert change_labels.value_text("project", "budget", "a lot", lookups) == "a lot"
        assert change_labels.value_text("goal", "deadline", "soon", lookups) == "soon"
        assert change_labels.value_text("project", "owner_company_id", 999999, lookups) == "a removed company"
        assert change_labels.value_text(
            "round", "result", [{"theme_id": w.themes_b[0], "points": 3}], lookups
        ) == (
            "1. a removed theme (3 points)"  # B's theme is not A's
        )


def test_the_history_page_speaks_the_readers_language(plan_world, login_as):
    w = plan_world
    ids = _history(w)
    client = login_as(w.a.admin)
    english = page(client.get(f"/kring-a/masterplan/{w.plan_a}/history"))
    assert "Project “Zonnedaken”: changed" in english.text and f"#{ids['project']}" not in english.text
    assert "Status: Idea → Running" in english.text
    assert "Budget: €12,500.50 → €15,000.00" in english.text
    assert "Owner (company): – → Alpha Bouw BV" in english.text
    assert "owner_company_id" not in english.text and "working_out" not in english.text
    w.a.tenant.default_locale = "nl"
    db.session.commit()
    dutch = page(client.get(f"/kring-a/masterplan/{w.plan_a}/history"))
    assert dutch.lang == "nl"
    assert "Project “Zonnedaken”: gewijzigd" in dutch.text
    assert "Status: Idee → Loopt" in dutch.text
    assert "Budget: € 12.500,50 → € 15.000,00" in dutch.text
    assert "Uiterste datum: 31 december 2030" in dutch.text
    client.post("/account/logout")
    login_as(w.b.admin)
    assert client.get(f"/kring-a/masterplan/{w.plan_a}/history").status_code == 404
    assert client.get(f"/kring-b/masterplan/{w.plan_a}/history").status_code == 404
    own = page(client.get(f"/kring-b/masterplan/{w.plan_b}/history"))
    assert "Alpha Bouw BV" not in own.text and "Zonnedaken" not in own.text


def _projects(w, numbers):
    with tenant_scope(w.a.tenant):
        plan = db.session.get(Masterplan, w.plan_a)
        for number in numbers:
            projects.create_project(
                plan,
                {
                    "title": f"Project {number}",
                    "theme_id": str(w.themes_a[number % 3]),
                    "owner_company_id": str(w.company_a),
                    "owner_contact_id": str(w.contact_a),
                    "budget": str(number * 1000),
                },
                actor=w.a.admin,
            )
        db.session.commit()


def test_the_history_page_costs_the_same_statements_for_few_and_many_changes(app, plan_world, login_as):
    app.config["KEEP_PAGE_DATA"] = False  # the statements of a page built after a write, each time
    from tests.members.support import count_queries

    w = plan_world
    _projects(w, range(3))
    client = login_as(w.a.admin)
    client.get(f"/kring-a/masterplan/{w.plan_a}/history")  # warm: the tenant and its plugins are kept
    with count_queries() as few:
        assert client.get(f"/kring-a/masterplan/{w.plan_a}/history").status_code == 200
    _projects(w, range(3, 80))  # more than a page, every name looked up once
    with count_queries() as many:
        text = page(client.get(f"/kring-a/masterplan/{w.plan_a}/history")).text
    assert "Owner (person): Anna" in text and "Owner (company): Alpha Bouw BV" in text
    assert len(few) == len(many)
