"""The pages of the implementation plans per park: the overview (an empty state without
parks; every park with its steps' states and next due date), starting a plan, editing a
step with the message beside the field, adding, downloading, replacing and deleting (after
a confirmation page) a document. Members read, managers change; tenant B's people reach
none of tenant A's parks, plans, steps or documents (404)."""

from __future__ import annotations

import io

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader
from sqlalchemy import func, select

from kringwerk.documents.models import StoredFile
from kringwerk.documents.services import file_path
from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import parks
from plugins.masterplan.models import Masterplan, ParkPlan, ParkStep, Scope, StepDocument, StepState
from tests.members.support import count_queries
from tests.plugins.masterplan.test_parks import PDF, make_park, upload

pytestmark = pytest.mark.both_databases


def _count(tenant, model) -> int:
    with tenant_scope(tenant):
        return db.session.scalar(select(func.count()).select_from(model))


def _steps(tenant) -> list[int]:
    with tenant_scope(tenant):
        return list(db.session.scalars(select(ParkStep.id).order_by(ParkStep.position)))


def test_the_overview_shows_an_empty_state_then_every_park(plan_world, login_as):
    w = plan_world
    client = login_as(w.a.member)
    empty = client.get("/kring-a/masterplan/parks/")
    assert empty.status_code == 200 and "no business parks yet" in empty.get_data(as_text=True)
    park_a = make_park(w.a.tenant, "De Wieken")
    make_park(w.a.tenant, "Aalsvoort")
    make_park(w.b.tenant, "Bravo Park")
    db.session.commit()
    page = client.get("/kring-a/masterplan/parks/").get_data(as_text=True)
    assert "De Wieken" in page and "Aalsvoort" in page and "Bravo Park" not in page
    assert page.count("No implementation plan yet.") == 2
    # a member may look but not start
    start = client.get(f"/kring-a/masterplan/parks/{park_a}/")
    assert start.status_code == 200 and "Start the implementation plan" not in start.get_data(as_text=True)
    assert client.post(f"/kring-a/masterplan/parks/{park_a}/start").status_code == 403
    assert _count(w.a.tenant, ParkPlan) == 0
    client.post("/account/logout")
    login_as(w.b.admin)
    assert client.get(f"/kring-b/masterplan/parks/{park_a}/").status_code == 404
    assert client.post(f"/kring-b/masterplan/parks/{park_a}/start").status_code == 404
    assert client.get(f"/kring-a/masterplan/parks/{park_a}/").status_code == 404
    assert _count(w.a.tenant, ParkPlan) == 0 and _count(w.b.tenant, ParkPlan) == 0


def test_a_manager_runs_the_plan_of_a_park(plan_world, login_as, app):
    w = plan_world
    park_a = make_park(w.a.tenant, "De Wieken")
    db.session.commit()
    client = login_as(w.a.facilitator)
    started = client.post(f"/kring-a/masterplan/parks/{park_a}/start")
    assert started.status_code == 303
    plan_url = started.headers["Location"]
    with tenant_scope(w.a.tenant):
        plan_id = db.session.scalar(select(ParkPlan.id))
    assert plan_url.endswith(f"/kring-a/masterplan/park-plans/{plan_id}/")
    assert client.get(f"/kring-a/masterplan/parks/{park_a}/").status_code == 302
    research, conclusions, approach, funding = _steps(w.a.tenant)

    # editing a step: a due date before the start is refused beside the field
    edit = f"/kring-a/masterplan/park-steps/{research}/edit"
    form = client.get(edit)
    assert form.status_code == 200 and w.a.member.name in form.get_data(as_text=True)
    data = {
        "owner_id": str(w.a.member.id),
        "starts_on": "2026-02-01",
        "due_on": "2026-01-15",
        "state": "in_progress",
        "note": "Enquête onder de ondernemers",
        "version": "1",
    }
    refused = client.post(edit, data=data)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="due_on-error"' in body
    assert "The due date lies before the start date." in body
    with tenant_scope(w.a.tenant):
        assert db.session.get(ParkStep, research).state == StepState.NOT_STARTED
    saved = client.post(edit, data={**data, "due_on": "2026-03-31"})
    assert saved.status_code == 303
    stale = client.post(edit, data={**data, "due_on": "2026-04-30"})
    assert stale.status_code == 422 and "Someone else changed this item" in stale.get_data(as_text=True)

    # documents: unknown step, wrong type and an oversized file are refused beside the field
    add = f"/kring-a/masterplan/park-plans/{plan_id}/documents"
    for step, content, name, field, message in [
        ("survey", PDF, "a.pdf", "document-step", "Choose one of the plan&#39;s steps."),
        ("research", b"MZ\x90\x00binary", "tool.exe", "document-file", "This file is not accepted"),
        ("research", b"%PDF-1.4\n" + b"0" * (8 * 1024 * 1024), "big.pdf", "document-file", "at most 8 MB"),
    ]:
        answer = client.post(
            add,
            data={"document-step": step, "document-file": (io.BytesIO(content), name)},
            content_type="multipart/form-data",
        )
        text = answer.get_data(as_text=True)
        assert answer.status_code == 422, name
        assert f'id="{field}-error"' in text and message in text, (
            name,
            text[text.find("field-error") :][:300],
        )
    assert _count(w.a.tenant, StoredFile) == 0
    added = client.post(
        add,
        data={"document-step": "research", "document-file": (io.BytesIO(PDF), "onderzoek.pdf")},
        content_type="multipart/form-data",
    )
    assert added.status_code == 303
    with tenant_scope(w.a.tenant):
        document = db.session.scalar(select(StepDocument))
        document_id, stored_id = document.id, document.stored_file_id
        first_path = file_path(db.session.get(StoredFile, stored_id))
    page = client.get(plan_url).get_data(as_text=True)
    assert "onderzoek.pdf" in page and "In progress" in page and w.a.member.name in page
    download = client.get(f"/kring-a/files/{stored_id}/onderzoek.pdf")
    assert download.status_code == 200 and download.data == PDF

    # replacing: a refused file keeps the old one; a good one takes its place
    replace = f"/kring-a/masterplan/step-documents/{document_id}/replace"
    bad = client.post(
        replace, data={"file": (io.BytesIO(b"just text"), "x.txt")}, content_type="multipart/form-data"
    )
    assert bad.status_code == 422 and 'id="file-error"' in bad.get_data(as_text=True)
    good = client.post(
        replace,
        data={"file": (io.BytesIO(PDF + b"%2\n"), "onderzoek-v2.pdf")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 303 and not first_path.exists()
    assert "onderzoek-v2.pdf" in client.get(plan_url).get_data(as_text=True)

    # deleting asks first; the GET changes nothing
    delete = f"/kring-a/masterplan/step-documents/{document_id}/delete"
    ask = client.get(delete)
    assert ask.status_code == 200 and "This cannot be undone." in ask.get_data(as_text=True)
    assert _count(w.a.tenant, StepDocument) == 1
    with tenant_scope(w.a.tenant):
        second_path = file_path(
            db.session.get(StoredFile, db.session.scalar(select(StepDocument)).stored_file_id)
        )
    assert client.post(delete).status_code == 303
    assert _count(w.a.tenant, StepDocument) == 0 and not second_path.exists()

    # the overview shows the states and the next due date
    overview = client.get("/kring-a/masterplan/parks/").get_data(as_text=True)
    assert "In progress" in overview and overview.count("Not started") == 3 and "Mar 31, 2026" in overview

    # the member who owns the research changes that step and its documents, no other
    client.post("/account/logout")
    login_as(w.a.member)
    page = client.get(plan_url).get_data(as_text=True)
    assert f"/park-steps/{research}/edit" in page and f"/park-steps/{conclusions}/edit" not in page
    assert client.get(edit).status_code == 200
    assert client.get(f"/kring-a/masterplan/park-steps/{conclusions}/edit").status_code == 403
    assert client.post(f"/kring-a/masterplan/park-steps/{conclusions}/edit", data=data).status_code == 403
    own = client.post(
        add,
        data={"document-step": "research", "document-file": (io.BytesIO(PDF), "eigen.pdf")},
        content_type="multipart/form-data",
    )
    assert own.status_code == 303
    foreign = client.post(
        add,
        data={"document-step": "conclusions", "document-file": (io.BytesIO(PDF), "niet.pdf")},
        content_type="multipart/form-data",
    )
    assert foreign.status_code == 403
    with tenant_scope(w.a.tenant):
        own_id = db.session.scalar(select(StepDocument.id))
    assert client.get(f"/kring-a/masterplan/step-documents/{own_id}/delete").status_code == 200
    assert client.post(f"/kring-a/masterplan/step-documents/{own_id}/delete").status_code == 303
    assert _count(w.a.tenant, StepDocument) == 0

    # a member who owns no step reads and changes nothing
    client.post("/account/logout")
    login_as(w.a.official)
    assert "Add a document" not in client.get(plan_url).get_data(as_text=True)
    assert client.get(edit).status_code == 403
    assert client.post(add, data={"document-step": "research"}).status_code == 403
    for gone in [
        row for row in db.session.identity_map.values() if isinstance(row, StoredFile | StepDocument)
    ]:
        db.session.expunge(gone)  # SQLite hands the deleted rows' ids out again
    with tenant_scope(w.a.tenant):
        kept = parks.add_document(
            db.session.get(ParkPlan, plan_id), "conclusions", upload(), actor=w.a.admin
        ).id
        db.session.commit()
    assert client.post(f"/kring-a/masterplan/step-documents/{kept}/delete").status_code == 403
    replaced = client.post(
        f"/kring-a/masterplan/step-documents/{kept}/replace",
        data={"file": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert replaced.status_code == 403 and _count(w.a.tenant, StepDocument) == 1

    # tenant B reaches nothing of A's
    client.post("/account/logout")
    login_as(w.b.admin)
    for url in (
        f"/kring-b/masterplan/park-plans/{plan_id}/",
        f"/kring-b/masterplan/park-steps/{conclusions}/edit",
        f"/kring-b/masterplan/step-documents/{document_id}/",
        f"/kring-a/masterplan/park-plans/{plan_id}/",
        f"/kring-b/files/{stored_id}/onderzoek.pdf",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/kring-b/masterplan/park-steps/{approach}/edit", data=data).status_code == 404
    assert (
        client.post(
            f"/kring-b/masterplan/park-plans/{plan_id}/documents",
            data={"document-step": "research", "document-file": (io.BytesIO(PDF), "x.pdf")},
            content_type="multipart/form-data",
        ).status_code
        == 404
    )
    assert "De Wieken" not in client.get("/kring-b/masterplan/parks/").get_data(as_text=True)
    with tenant_scope(w.a.tenant):
        assert db.session.get(ParkStep, approach).state == StepState.NOT_STARTED
    assert _count(w.b.tenant, StoredFile) == 0 and _count(w.a.tenant, BusinessPark) == 1


def test_a_document_of_another_tenant_cannot_be_replaced_or_deleted(plan_world, login_as):
    w = plan_world
    park_a = make_park(w.a.tenant, "De Wieken")
    db.session.commit()
    client = login_as(w.a.admin)
    client.post(f"/kring-a/masterplan/parks/{park_a}/start")
    with tenant_scope(w.a.tenant):
        plan_id = db.session.scalar(select(ParkPlan.id))
    client.post(
        f"/kring-a/masterplan/park-plans/{plan_id}/documents",
        data={"document-step": "conclusions", "document-file": (io.BytesIO(PDF), "conclusies.pdf")},
        content_type="multipart/form-data",
    )
    with tenant_scope(w.a.tenant):
        document_id = db.session.scalar(select(StepDocument.id))
    client.post("/account/logout")
    login_as(w.b.admin)
    assert client.post(f"/kring-b/masterplan/step-documents/{document_id}/delete").status_code == 404
    assert (
        client.post(
            f"/kring-b/masterplan/step-documents/{document_id}/replace",
            data={"file": (io.BytesIO(PDF), "x.pdf")},
            content_type="multipart/form-data",
        ).status_code
        == 404
    )
    assert _count(w.a.tenant, StepDocument) == 1


def test_the_masterplan_of_a_park_exports_its_implementation_steps(plan_world, login_as):
    w = plan_world
    park_a = make_park(w.a.tenant, "De Wieken")
    with tenant_scope(w.a.tenant):
        masterplan = Masterplan(title="Masterplan De Wieken", scope=Scope.PARK, business_park_id=park_a)
        db.session.add(masterplan)
        db.session.flush()
        masterplan_id = masterplan.id
    db.session.commit()
    client = login_as(w.a.admin)
    client.post(f"/kring-a/masterplan/parks/{park_a}/start")
    with tenant_scope(w.a.tenant):
        plan_id = db.session.scalar(select(ParkPlan.id))
    client.post(
        f"/kring-a/masterplan/park-plans/{plan_id}/documents",
        data={"document-step": "research", "document-file": (io.BytesIO(PDF), "onderzoek.pdf")},
        content_type="multipart/form-data",
    )
    page = client.get(f"/kring-a/masterplan/{masterplan_id}/").get_data(as_text=True)
    assert f"/kring-a/masterplan/parks/{park_a}/" in page
    pdf = client.get(f"/kring-a/masterplan/{masterplan_id}/export.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).replace("\u2010\n", "")
    assert "Implementation plan of De Wieken" in text
    assert "Plan of approach" in text and "onderzoek.pdf" in text
    word = WordDocument(io.BytesIO(client.get(f"/kring-a/masterplan/{masterplan_id}/export.docx").data))
    cells = [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    assert "Funding applications" in cells and "onderzoek.pdf" in cells
    client.post("/account/logout")
    login_as(w.b.admin)
    assert client.get(f"/kring-b/masterplan/{masterplan_id}/export.pdf").status_code == 404


def test_the_overview_costs_the_same_statements_for_few_and_many_parks(plan_world, login_as):
    w = plan_world
    client = login_as(w.a.admin)

    def add_parks(*names):
        for name in names:
            park_id = make_park(w.a.tenant, name)
            db.session.commit()
            assert client.post(f"/kring-a/masterplan/parks/{park_id}/start").status_code == 303

    add_parks("De Wieken")
    with count_queries() as few:
        assert client.get("/kring-a/masterplan/parks/").status_code == 200
    add_parks("Aalsvoort", "Bergweide", "Kloosterlanden", "De Mars", "Messchenveld")
    with count_queries() as many:
        page = client.get("/kring-a/masterplan/parks/").get_data(as_text=True)
    assert page.count("Not started") == 6 * 4
    assert len(many) == len(few)


def test_the_park_pages_speak_dutch_where_the_tenant_does(plan_world, login_as):
    w = plan_world
    w.a.tenant.default_locale = "nl"
    park_a = make_park(w.a.tenant, "De Wieken")
    db.session.commit()
    client = login_as(w.a.admin)
    client.post(f"/kring-a/masterplan/parks/{park_a}/start")
    overview = client.get("/kring-a/masterplan/parks/").get_data(as_text=True)
    assert "Uitvoeringsplannen per bedrijventerrein" in overview and "Niet begonnen" in overview
    with tenant_scope(w.a.tenant):
        step_id = db.session.scalar(select(ParkStep.id).order_by(ParkStep.position))
    refused = client.post(
        f"/kring-a/masterplan/park-steps/{step_id}/edit",
        data={"starts_on": "2026-02-01", "due_on": "2026-01-01", "state": "done", "version": "1"},
    )
    assert refused.status_code == 422
    assert "De einddatum ligt voor de startdatum." in refused.get_data(as_text=True)
    client.post("/account/logout")
    login_as(w.b.admin)
    english = client.get("/kring-b/masterplan/parks/").get_data(as_text=True)
    assert "Implementation plans per business park" in english and "De Wieken" not in english


def test_an_owner_finds_their_open_steps_on_the_home(plan_world, login_as):
    w = plan_world
    park_a = make_park(w.a.tenant, "De Wieken")
    db.session.commit()
    client = login_as(w.a.admin)
    client.post(f"/kring-a/masterplan/parks/{park_a}/start")
    research, conclusions, *_ = _steps(w.a.tenant)
    for step, state, due in ((research, "done", "2026-03-01"), (conclusions, "in_progress", "2026-06-30")):
        assert (
            client.post(
                f"/kring-a/masterplan/park-steps/{step}/edit",
                data={"owner_id": str(w.a.member.id), "state": state, "due_on": due, "version": "1"},
            ).status_code
            == 303
        )
    client.post("/account/logout")
    login_as(w.a.member)
    home = client.get("/kring-a/").get_data(as_text=True)
    assert "Conclusions · De Wieken" in home and "Research · De Wieken" not in home
    client.post("/account/logout")
    login_as(w.b.member)
    assert "De Wieken" not in client.get("/kring-b/").get_data(as_text=True)
