"""The plan as PDF and Word: themes in priority order with wishes and projects, and the
goals with their progress; the text is extracted and checked; the document is read in the
same statements however many goals, measurements and theme texts the plan has. Tenant B
gets 404."""

from __future__ import annotations

import io

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import goals, plans, projects
from plugins.masterplan.models import Goal, Masterplan
from tests.members.support import count_queries
from tests.plugins.masterplan import test_dashboard


def _fill(w):
    with tenant_scope(w.a.tenant):
        plan = db.session.get(Masterplan, w.plan_a)
        plans.add_item(plan, "wish", w.themes_a[0], "Laadpalen bij de kantine", actor=w.a.member)
        projects.create_project(
            plan, {"title": "Zon op de daken", "theme_id": w.themes_a[0], "budget": "250000"}, actor=w.a.admin
        )
        goal = goals.create_goal(
            plan,
            {
                "title": "Business cases",
                "unit": "cases",
                "baseline": "60",
                "target": "100",
                "deadline": "2023-12-31",
            },
            actor=w.a.admin,
        )
        goals.add_measurement(goal, {"measured_on": "2022-01-01", "value": "90"}, actor=w.a.admin)
    db.session.commit()


def test_the_plan_exports_as_pdf_and_word(plan_world, login_as):
    w = plan_world
    _fill(w)
    client = login_as(w.a.member)
    pdf = client.get(f"/kring-a/masterplan/{w.plan_a}/export.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages).replace(
        "\u2010\n", ""
    )
    assert "Masterplan Noord" in text and "Laadpalen bij de kantine" in text
    assert "Zon op de daken" in text and "Business cases" in text and "75%" in text
    word = client.get(f"/kring-a/masterplan/{w.plan_a}/export.docx")
    assert word.status_code == 200
    document = WordDocument(io.BytesIO(word.data))
    body = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert "Laadpalen bij de kantine" in body and "Zon op de daken" in body
    client.post("/account/logout")
    login_as(w.b.member)
    assert client.get(f"/kring-a/masterplan/{w.plan_a}/export.pdf").status_code == 404
    assert client.get(f"/kring-b/masterplan/{w.plan_a}/export.docx").status_code == 404


def test_the_goals_table_heads_each_column_once_in_dutch(plan_world, login_as):
    w = plan_world
    _fill(w)
    w.a.tenant.default_locale = "nl"
    db.session.commit()
    client = login_as(w.a.member)
    word = client.get(f"/kring-a/masterplan/{w.plan_a}/export.docx")
    document = WordDocument(io.BytesIO(word.data))
    heads = [[cell.text for cell in table.rows[0].cells] for table in document.tables]
    goal_heads = next(row for row in heads if row and row[0] == "Doel")
    assert goal_heads == ["Doel", "Nulmeting → streefwaarde", "Laatste meting", "Voortgang"]
    client.post("/account/logout")
    login_as(w.b.member)
    assert client.get(f"/kring-b/masterplan/{w.plan_a}/export.docx").status_code == 404


def _situations(w, texts: dict[int, str]) -> None:
    with tenant_scope(w.a.tenant):
        plan = db.session.get(Masterplan, w.plan_a)
        for theme_id, text in texts.items():
            theme = plans.theme_or_invalid(theme_id)
            plans.set_current_situation(plan, theme, text, expected_version="0", actor=w.a.admin)
        db.session.commit()


def _document_text(data: bytes) -> str:
    document = WordDocument(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )


@pytest.mark.both_databases
def test_the_export_costs_the_same_statements_for_few_and_many_goals(app, plan_world, login_as):
    """Each goal's measurements were loaded by a statement of their own, each theme's text
    too: now the goals come with their progress in one statement, the texts in another."""
    app.config["KEEP_PAGE_DATA"] = False  # the document is never kept; the page shell neither here
    w = plan_world
    test_dashboard._fill(w.a.tenant, w.plan_a, w.a.member, w.themes_a)  # 3 goals, 5 measurements
    test_dashboard._fill(w.b.tenant, w.plan_b, w.b.member, w.themes_b)
    _situations(w, {w.themes_a[0]: "Druk op het net"})
    client = login_as(w.a.member)
    url = f"/kring-a/masterplan/{w.plan_a}/export.docx"
    assert client.get(url).status_code == 200
    with count_queries() as few:
        assert client.get(url).status_code == 200
    test_dashboard._fill(w.a.tenant, w.plan_a, w.a.member, w.themes_a, copies=6)  # 21 goals
    _situations(w, {w.themes_a[1]: "Weinig ruimte", w.themes_a[2]: "Goed bereikbaar"})
    with count_queries() as many:
        answer = client.get(url)
    assert answer.status_code == 200
    assert len(few) == len(many)
    assert sum("masterplan_measurements" in s for s in many) == 1  # inside the goals' statement
    assert sum("masterplan_theme_entries" in s for s in many) == 1
    text = _document_text(answer.data)
    assert "Op koers 5" in text and "Goed bereikbaar" in text and "Druk op het net" in text
    assert "Laadpalen 5" in text and "Laadpalen 0" in text
    assert "Masterplan of tenant B" not in text
    client.post("/account/logout")
    login_as(w.b.member)
    assert client.get(url).status_code == 404
    assert client.get(f"/kring-b/masterplan/{w.plan_a}/export.docx").status_code == 404


def test_the_exported_goals_show_the_goal_pages_figures(plan_world, login_as):
    """The goals' table from one statement says what ``goals.progress`` says per goal."""
    w = plan_world
    seeded = test_dashboard._fill(w.a.tenant, w.plan_a, w.a.member, w.themes_a)
    with tenant_scope(w.a.tenant):
        on_track = goals.progress(db.session.get(Goal, seeded.on_track))
        off_track = goals.progress(db.session.get(Goal, seeded.off_track))
    client = login_as(w.a.member)
    text = _document_text(client.get(f"/kring-a/masterplan/{w.plan_a}/export.docx").data)
    assert f"{on_track.percent}%" in text and f"{off_track.percent}%" in text
    assert "60 → 100 cases" in text  # baseline, target and unit
    assert "Nog niet gemeten 0" in text and "0%" in text
