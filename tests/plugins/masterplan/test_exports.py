"""The plan as PDF and Word: themes in priority order with wishes and projects, and the
goals with their progress; the text is extracted and checked. Tenant B gets 404."""

from __future__ import annotations

import io

from docx import Document as WordDocument
from pypdf import PdfReader

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import goals, plans, projects
from plugins.masterplan.models import Masterplan


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
