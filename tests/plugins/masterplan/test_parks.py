"""Implementation plans per business park, without HTTP: starting a plan gives the four
steps in order; a step refuses a due date before its start, an owner who is no member
and a stale form, changing nothing; documents are checked by content and size, replaced
and deleted (the file leaves the disk only after the commit); every change reaches the
audit trail and the park's masterplans' history. Tenant B's parks and plans stay apart."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from werkzeug.datastructures import FileStorage

from kringwerk.audit.models import AuditEntry
from kringwerk.documents.models import StoredFile
from kringwerk.documents.services import file_path
from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark
from kringwerk.pluginhost.gating import all_hooks
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import exports, parks
from plugins.masterplan.changes import Invalid, StaleEdit
from plugins.masterplan.labels import AUDIT_LABELS
from plugins.masterplan.models import (
    Masterplan,
    ParkPlan,
    ParkStep,
    PlanChange,
    Scope,
    StepDocument,
    StepKind,
    StepState,
)

PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(data: bytes = PDF, name: str = "onderzoek.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def make_park(tenant, name: str) -> int:
    with tenant_scope(tenant):
        park = BusinessPark(name=name)
        db.session.add(park)
        db.session.flush()
        return park.id


def started(tenant, park_id: int, actor) -> int:
    with tenant_scope(tenant):
        plan = parks.start_plan(db.session.get(BusinessPark, park_id), actor=actor)
        db.session.commit()
        return plan.id


@pytest.fixture
def park_world(plan_world):
    """De Wieken in A with a started plan and a masterplan for the park; a park in B."""
    w = plan_world
    w.park_a = make_park(w.a.tenant, "De Wieken")
    w.park_b = make_park(w.b.tenant, "Bravo Park")
    with tenant_scope(w.a.tenant):
        masterplan = Masterplan(title="Masterplan De Wieken", scope=Scope.PARK, business_park_id=w.park_a)
        db.session.add(masterplan)
        db.session.flush()
        w.park_masterplan = masterplan.id
    db.session.commit()
    w.park_plan_a = started(w.a.tenant, w.park_a, w.a.admin)
    return w


def _count(tenant, model) -> int:
    with tenant_scope(tenant):
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.both_databases
def test_starting_a_plan_gives_the_four_steps_once(park_world):
    w = park_world
    with tenant_scope(w.a.tenant):
        plan = db.session.get(ParkPlan, w.park_plan_a)
        assert [step.kind for step in plan.steps] == [
            StepKind.RESEARCH,
            StepKind.CONCLUSIONS,
            StepKind.APPROACH,
            StepKind.FUNDING,
        ]
        assert {step.state for step in plan.steps} == {StepState.NOT_STARTED}
        # a second start returns the same plan
        again = parks.start_plan(db.session.get(BusinessPark, w.park_a), actor=w.a.admin)
        assert again.id == plan.id
        assert (
            db.session.scalar(
                select(func.count(AuditEntry.id)).where(AuditEntry.action == "masterplan.park_plan.started")
            )
            == 1
        )
        history = db.session.scalars(
            select(PlanChange.entity).where(PlanChange.masterplan_id == w.park_masterplan)
        ).all()
        assert history == ["park_plan"]
    db.session.commit()
    with tenant_scope(w.b.tenant):
        assert db.session.get(ParkPlan, w.park_plan_a) is None
        assert parks.plan_for(db.session.get(BusinessPark, w.park_b)) is None
        assert parks.overview(list(db.session.scalars(select(BusinessPark))))[0].plan is None
    assert _count(w.b.tenant, ParkPlan) == 0


@pytest.mark.both_databases
def test_a_step_refuses_bad_input_and_a_stale_form_and_changes_nothing(park_world):
    w = park_world
    with tenant_scope(w.a.tenant):
        step = db.session.get(ParkPlan, w.park_plan_a).steps[0]
        version = step.version
        good = {
            "owner_id": str(w.a.facilitator.id),
            "starts_on": "2026-01-10",
            "due_on": "2026-03-31",
            "state": "in_progress",
            "note": "Enquête onder alle ondernemers.",
        }
        bad_inputs = [
            ({"due_on": "2026-01-01"}, "due_on", "The due date lies before the start date."),
            ({"starts_on": "10-01-2026"}, "starts_on", "Give a date as day, month and year."),
            ({"state": "finished"}, "state", "Choose a state."),
            ({"owner_id": str(w.b.admin.id)}, "owner_id", "Choose a member of the association."),
            ({"owner_id": "99999999999"}, "owner_id", "Choose a member of the association."),
            ({"note": "x" * 5001}, "note", "At most 5000 characters."),
        ]
        for change, field, message in bad_inputs:
            with pytest.raises(Invalid) as refused:
                parks.update_step(step, {**good, **change}, expected_version=version, actor=w.a.admin)
            assert str(refused.value.errors[field]) == message
        db.session.rollback()
        step = db.session.get(ParkStep, step.id)
        assert step.state == StepState.NOT_STARTED and step.owner_id is None and step.version == version
        changed = parks.update_step(step, good, expected_version=version, actor=w.a.admin)
        assert changed["state"] == ["not_started", "in_progress"]
        assert changed["due_on"] == [None, "2026-03-31"]
        db.session.commit()
    with tenant_scope(w.a.tenant):
        step = db.session.get(ParkStep, step.id)
        with pytest.raises(StaleEdit):  # a second form opened at the old version
            parks.update_step(step, {**good, "state": "done"}, expected_version=version, actor=w.a.admin)
        db.session.rollback()
        step = db.session.get(ParkStep, step.id)
        assert step.state == StepState.IN_PROGRESS and step.owner_id == w.a.facilitator.id
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "masterplan.park_step.updated")
        )
        assert entry.details["state"] == ["not_started", "in_progress"]
        assert entry.details["owner"] == [None, w.a.facilitator.name] and "owner_id" not in entry.details
        assert entry.target_label == "De Wieken: Research"
        logged = db.session.scalar(
            select(PlanChange).where(
                PlanChange.masterplan_id == w.park_masterplan, PlanChange.entity == "park_step"
            )
        )
        assert logged.changes["state"] == ["not_started", "in_progress"]
        plan = db.session.get(ParkPlan, w.park_plan_a)
        assert parks.next_due(plan).isoformat() == "2026-03-31"
        assert parks.current_step(plan).kind == StepKind.RESEARCH
    with tenant_scope(w.b.tenant):
        assert db.session.get(ParkStep, step.id) is None
        assert (
            db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action.like("masterplan.%")))
            == 0
        )


@pytest.mark.both_databases
def test_documents_are_checked_replaced_and_deleted_after_the_commit(park_world):
    w = park_world
    with tenant_scope(w.a.tenant):
        plan = db.session.get(ParkPlan, w.park_plan_a)
        for kind, file, field, message in [
            ("survey", upload(), "step", "Choose one of the plan's steps."),
            (
                "research",
                upload(b"MZ\x90\x00not a document", "tool.exe"),
                "file",
                "This file is not accepted",
            ),
            ("research", upload(b"%PDF-1.4\n" + b"0" * (8 * 1024 * 1024), "groot.pdf"), "file", "at most"),
            ("research", None, "file", "Choose a file."),
        ]:
            with pytest.raises(Invalid) as refused:
                parks.add_document(plan, kind, file, actor=w.a.admin)
            assert message in str(refused.value.errors[field])
            db.session.rollback()
            plan = db.session.get(ParkPlan, w.park_plan_a)
        assert _count(w.a.tenant, StoredFile) == 0
        document = parks.add_document(plan, "research", upload(), actor=w.a.admin)
        document_id = document.id
        db.session.commit()
    with tenant_scope(w.a.tenant):
        document = db.session.get(StepDocument, document_id)
        first = db.session.get(StoredFile, document.stored_file_id)
        first_path = file_path(first)
        assert first_path.read_bytes() == PDF and first.content_type == "application/pdf"
        # a refused replacement keeps the old file
        with pytest.raises(Invalid):
            parks.replace_document(document, upload(b"plain text", "notes.txt"), actor=w.a.admin)
        db.session.rollback()
        document = db.session.get(StepDocument, document_id)
        assert document.stored_file_id == first.id and first_path.exists()
        parks.replace_document(document, upload(PDF + b"%v2\n", "onderzoek-v2.pdf"), actor=w.a.admin)
        assert first_path.exists()  # until the commit
        db.session.commit()
    assert not first_path.exists()
    with tenant_scope(w.a.tenant):
        document = db.session.get(StepDocument, document_id)
        second = db.session.get(StoredFile, document.stored_file_id)
        assert second.original_name == "onderzoek-v2.pdf"
        second_path = file_path(second)
        parks.delete_document(document, actor=w.a.admin)
        db.session.rollback()  # a rollback keeps the document and its file
    assert second_path.exists()
    with tenant_scope(w.a.tenant):
        parks.delete_document(db.session.get(StepDocument, document_id), actor=w.a.admin)
        db.session.commit()
    assert not second_path.exists()
    assert _count(w.a.tenant, StepDocument) == 0 and _count(w.a.tenant, StoredFile) == 0
    with tenant_scope(w.a.tenant):
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("masterplan.park_document.%"))
        ).all()
        assert sorted(actions) == [
            "masterplan.park_document.added",
            "masterplan.park_document.deleted",
            "masterplan.park_document.replaced",
        ]
        assert set(actions) <= AUDIT_LABELS.keys()  # the audit log shows them readably
    assert _count(w.b.tenant, StepDocument) == 0


@pytest.mark.both_databases
def test_the_overview_and_a_removed_park(park_world):
    w = park_world
    other = make_park(w.a.tenant, "Aalsvoort")
    db.session.commit()
    with tenant_scope(w.a.tenant):
        rows = parks.overview(list(db.session.scalars(select(BusinessPark).order_by(BusinessPark.name))))
        assert [(row.name, row.plan is not None) for row in rows] == [
            ("Aalsvoort", False),
            ("De Wieken", True),
        ]
        assert parks.orphaned_plans() == []
        db.session.delete(db.session.get(BusinessPark, w.park_a))  # the core asks no plugin
        db.session.commit()
    with tenant_scope(w.a.tenant):
        orphaned = parks.orphaned_plans()
        assert [(row.name, row.park) for row in orphaned] == [("De Wieken", None)]
        plan = db.session.get(ParkPlan, w.park_plan_a)
        assert parks.park_of(plan) is None and parks.park_masterplans(plan) == []
        # a new park under the same name (and perhaps the same id on SQLite) starts afresh
        again = BusinessPark(name="De Wieken")
        db.session.add(again)
        db.session.flush()
        assert parks.plan_for(again) is None
        assert [row.name for row in parks.overview([again, db.session.get(BusinessPark, other)])] == [
            "De Wieken",
            "Aalsvoort",
        ]
        db.session.rollback()
    with tenant_scope(w.b.tenant):
        assert parks.orphaned_plans() == []


def test_the_masterplan_of_a_park_exports_its_steps(park_world):
    w = park_world
    with tenant_scope(w.a.tenant):
        plan = db.session.get(ParkPlan, w.park_plan_a)
        parks.update_step(
            plan.steps[0],
            {"state": "done", "owner_id": str(w.a.facilitator.id), "note": "Enquête afgerond."},
            expected_version=plan.steps[0].version,
            actor=w.a.admin,
        )
        parks.add_document(plan, "research", upload(), actor=w.a.admin)
        document = exports.plan_document(db.session.get(Masterplan, w.park_masterplan))
        section = document.sections[-1]
        assert section.heading == "Implementation plan of De Wieken"
        table = section.blocks[0]
        assert table.rows[0][:3] == ["Research", "Done", w.a.facilitator.name]
        assert table.rows[0][5] == "onderzoek.pdf"
        assert [row[0] for row in table.rows] == [
            "Research",
            "Conclusions",
            "Plan of approach",
            "Funding applications",
        ]
        assert section.blocks[1].text == "Research: Enquête afgerond."
        # a plan for a circle has no such section
        circle_plan = exports.plan_document(db.session.get(Masterplan, w.plan_a))
        assert all("Implementation plan" not in s.heading for s in circle_plan.sections)
        db.session.commit()


@pytest.mark.both_databases
def test_an_owner_is_exported_and_erased(park_world):
    w = park_world
    with tenant_scope(w.a.tenant):
        plan = db.session.get(ParkPlan, w.park_plan_a)
        step = plan.steps[1]
        parks.update_step(
            step,
            {"owner_id": str(w.a.member.id), "due_on": "2026-05-01"},
            expected_version=step.version,
            actor=w.a.admin,
        )
        parks.add_document(plan, "conclusions", upload(), actor=w.a.member)
        step_id = step.id
        db.session.commit()
    with tenant_scope(w.a.tenant):
        exported = [
            r for r in all_hooks().member_export(tenant=w.a.tenant, user=w.a.member) if r and "items" in r
        ]
    assert exported[0]["park_steps_owned"] == [
        {
            "park": "De Wieken",
            "step": "conclusions",
            "state": "not_started",
            "starts_on": None,
            "due_on": "2026-05-01",
        }
    ]
    with tenant_scope(w.b.tenant):
        assert not [
            r for r in all_hooks().member_export(tenant=w.b.tenant, user=w.a.member) if r and "items" in r
        ]
    with tenant_scope(w.a.tenant):
        all_hooks().member_erase(tenant=w.a.tenant, user=w.a.member)
    db.session.commit()
    db.session.expire_all()
    with tenant_scope(w.a.tenant):
        step = db.session.get(ParkStep, step_id)
        assert step.owner_id is None and step.due_on.isoformat() == "2026-05-01"
        assert db.session.scalar(select(StepDocument.added_by_id)) is None
        assert db.session.scalar(select(func.count(StepDocument.id))) == 1


def test_files_stay_in_the_tenant_folder(park_world, app):
    w = park_world
    with tenant_scope(w.a.tenant):
        plan = db.session.get(ParkPlan, w.park_plan_a)
        stored_id = parks.add_document(plan, "research", upload(), actor=w.a.admin).stored_file_id
        db.session.commit()
    with tenant_scope(w.a.tenant):
        path = file_path(db.session.get(StoredFile, stored_id))
    assert path.parent == Path(app.config["UPLOAD_DIR"]) / "files" / str(w.a.tenant.id)


@pytest.mark.both_databases
def test_a_document_replaced_or_deleted_meanwhile_is_not_overwritten(park_world):
    w = park_world
    with tenant_scope(w.a.tenant):
        plan = db.session.get(ParkPlan, w.park_plan_a)
        document = parks.add_document(plan, "research", upload(), actor=w.a.admin)
        other = parks.add_document(plan, "research", upload(PDF + b"%b\n", "b.pdf"), actor=w.a.admin)
        document_id, other_file = document.id, other.stored_file_id
        db.session.commit()
    with tenant_scope(w.a.tenant):
        seen = db.session.get(StepDocument, document_id)
        assert seen.stored_file_id != other_file
        # someone else's replacement lands after this form was opened
        db.session.execute(
            update(StepDocument)
            .where(StepDocument.id == document_id)
            .values(stored_file_id=other_file)
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(Invalid) as refused:
            parks.replace_document(seen, upload(PDF + b"%c\n", "c.pdf"), actor=w.a.admin)
        assert "Someone else replaced or deleted this document" in str(refused.value.errors["file"])
        db.session.rollback()
        seen = db.session.get(StepDocument, document_id)
        db.session.execute(
            delete(StepDocument)
            .where(StepDocument.id == document_id)
            .execution_options(synchronize_session=False)
        )
        assert parks.delete_document(seen, actor=w.a.admin) is False
        db.session.rollback()
    assert _count(w.a.tenant, StepDocument) == 2 and _count(w.a.tenant, StoredFile) == 2
