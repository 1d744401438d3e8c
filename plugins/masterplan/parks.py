"""Implementation plans per business park (seed 001: model implementation plans for
future-proof business parks). A park's plan has four steps, taken in order: research,
conclusions, a plan of approach and funding applications. Each step has an owner (a
member of the tenant), start and due dates, a state, a note and its documents, kept in
the core's file storage.

Business rules only; the views are thin. Every change is recorded in the audit trail
and in the history of each masterplan written for the park.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from kringwerk.plugin_api import (
    BusinessPark,
    DocumentTable,
    Paragraph,
    Section,
    StoredFile,
    UploadError,
    User,
    db,
    delete_file,
    memberships,
    record,
    store_upload,
)
from plugins.masterplan import changes
from plugins.masterplan.changes import Invalid, StaleEdit
from plugins.masterplan.models import Masterplan, ParkPlan, ParkStep, Scope, StepDocument, StepKind, StepState
from plugins.masterplan.values import as_date

MAX_NOTE = 5000
DOCUMENT_TYPES = ("pdf", "docx", "image")
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024  # the core's limit, below the request limit


# --- finding plans ---------------------------------------------------------------------------


def plan_for(park: BusinessPark) -> ParkPlan | None:
    """The park's implementation plan, or None if none has been started."""
    return db.session.scalar(
        select(ParkPlan).where(
            ParkPlan.business_park_id == park.id, ParkPlan.park_created_at == park.created_at
        )
    )


def park_of(plan: ParkPlan) -> BusinessPark | None:
    """The plan's park, or None once the park has been removed."""
    park = db.session.get(BusinessPark, plan.business_park_id)
    if park is None or park.created_at != plan.park_created_at:
        return None  # a park made later under a reused id is another park
    return park


def park_masterplans(plan: ParkPlan) -> list[Masterplan]:
    """The masterplans written for the plan's park (their history records the plan's changes)."""
    if park_of(plan) is None:
        return []
    return list(
        db.session.scalars(
            select(Masterplan)
            .where(Masterplan.scope == Scope.PARK, Masterplan.business_park_id == plan.business_park_id)
            .order_by(Masterplan.title, Masterplan.id)
        )
    )


def step_of(plan: ParkPlan, kind) -> ParkStep:
    """The plan's step of ``kind`` (a ``StepKind`` or its value); ``Invalid`` on any other."""
    try:
        kind = StepKind(kind)
    except ValueError:
        raise Invalid({"step": _l("Choose one of the plan's steps.")}) from None
    for step in plan.steps:
        if step.kind == kind:
            return step
    raise Invalid({"step": _l("Choose one of the plan's steps.")})


def next_due(plan: ParkPlan) -> date | None:
    """The earliest due date of a step that is not done."""
    dates = [step.due_on for step in plan.steps if step.state != StepState.DONE and step.due_on]
    return min(dates, default=None)


def current_step(plan: ParkPlan) -> ParkStep | None:
    """The first step that is not done (None when all are)."""
    return next((step for step in plan.steps if step.state != StepState.DONE), None)


@dataclass(frozen=True)
class OverviewRow:
    """One park on the overview: the park (None once removed), its name and its plan (or None)."""

    park: BusinessPark | None
    name: str
    plan: ParkPlan | None

    @property
    def steps(self) -> list[ParkStep]:
        return list(self.plan.steps) if self.plan else []

    @property
    def next_due(self) -> date | None:
        return next_due(self.plan) if self.plan else None


def overview(parks: list[BusinessPark]) -> list[OverviewRow]:
    """``parks`` (a page of them) with their plans and steps, in a fixed number of queries."""
    ids = [park.id for park in parks]
    plans = (
        db.session.scalars(
            select(ParkPlan).where(ParkPlan.business_park_id.in_(ids)).options(selectinload(ParkPlan.steps))
        ).all()
        if ids
        else []
    )
    by_park = {(plan.business_park_id, plan.park_created_at): plan for plan in plans}
    return [OverviewRow(park, park.name, by_park.get((park.id, park.created_at))) for park in parks]


def orphaned_plans() -> list[OverviewRow]:
    """Plans whose park has been removed: they stay, under the park's last known name."""
    live = select(BusinessPark.id).where(
        BusinessPark.id == ParkPlan.business_park_id, BusinessPark.created_at == ParkPlan.park_created_at
    )
    plans = db.session.scalars(
        select(ParkPlan)
        .where(~live.exists())
        .options(selectinload(ParkPlan.steps))
        .order_by(ParkPlan.park_name, ParkPlan.id)
    ).all()
    return [OverviewRow(None, plan.park_name, plan) for plan in plans]


# --- owners ----------------------------------------------------------------------------------


def owner_choices() -> list[User]:
    """The tenant's members, by name: who may own a step."""
    return [membership.user for membership in db.session.scalars(memberships())]


def _owner(value) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if text.isdigit() and len(text) < 10:
        found = db.session.scalar(memberships().where(User.id == int(text)))
        if found is not None:  # a member of this tenant, not just any account
            return found.user.id
    raise Invalid({"owner_id": _l("Choose a member of the association.")})


def owner_names(user_ids) -> dict[int, str]:
    ids = {user_id for user_id in user_ids if user_id}
    if not ids:
        return {}
    return {user.id: user.name for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


# --- changes ---------------------------------------------------------------------------------


def _label(plan: ParkPlan, step: ParkStep | None = None) -> str:
    name = park_of(plan).name if park_of(plan) else plan.park_name
    return f"{name}: {step.kind.label}" if step is not None else name


def _trail(plan: ParkPlan, action: str, *, actor, step: ParkStep | None, details: dict, entity, entity_id):
    """Record the change in the audit trail and in the park's masterplans' history."""
    record(
        f"masterplan.park_{action}",
        actor=actor,
        target=plan,
        target_label=_label(plan, step)[:300],
        details={key: changes.plain(value) for key, value in details.items()},
    )
    kind = action.rsplit(".", 1)[-1]
    for masterplan in park_masterplans(plan):
        changes.log(masterplan.id, actor, entity, entity_id, kind, details)
    db.session.flush()


def start_plan(park: BusinessPark, *, actor) -> ParkPlan:
    """Start the park's implementation plan with its four steps, not started; a plan
    that is there already (a second click, a parallel start) is returned as it is."""
    existing = plan_for(park)
    if existing is not None:
        return existing
    plan = ParkPlan(
        business_park_id=park.id,
        park_created_at=park.created_at,
        park_name=park.name,
        created_by_id=getattr(actor, "id", None),
    )
    plan.steps = [ParkStep(kind=kind, position=index) for index, kind in enumerate(StepKind)]
    try:
        with db.session.begin_nested():
            db.session.add(plan)
    except IntegrityError:  # someone else started it at the same moment
        return plan_for(park)
    _trail(plan, "plan.started", actor=actor, step=None, details={}, entity="park_plan", entity_id=plan.id)
    return plan


def clean_step(values: dict) -> dict:
    errors: dict = {}
    try:
        state = StepState(values.get("state") or StepState.NOT_STARTED)
    except ValueError:
        errors["state"] = _l("Choose a state.")
        state = None
    dates = {}
    for field in ("starts_on", "due_on"):
        try:
            dates[field] = as_date(values.get(field))
        except ValueError:
            dates[field] = None
            errors[field] = _l("Give a date as day, month and year.")
    if dates["starts_on"] and dates["due_on"] and dates["due_on"] < dates["starts_on"]:
        errors["due_on"] = _l("The due date lies before the start date.")
    note = (values.get("note") or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = _l("At most %(count)s characters.", count=MAX_NOTE)
    try:
        owner_id = _owner(values.get("owner_id"))
    except Invalid as refused:
        errors.update(refused.errors)
        owner_id = None
    if errors:
        raise Invalid(errors)
    return {
        "owner_id": owner_id,
        "starts_on": dates["starts_on"],
        "due_on": dates["due_on"],
        "state": state,
        "note": note or None,
    }


def update_step(step: ParkStep, values: dict, *, expected_version, actor) -> dict:
    """Save a step's owner, dates, state and note if nobody saved it since the form was
    opened at ``expected_version``; returns what changed ({field: [before, after]})."""
    cleaned = clean_step(values)
    changes.check_version(step, expected_version)
    changed = {}
    for field, value in cleaned.items():
        before = getattr(step, field)
        if changes.plain(before) != changes.plain(value):
            changed[field] = [changes.plain(before), changes.plain(value)]
            setattr(step, field, value)
    if not changed:
        return changed
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise StaleEdit() from None
    plan = db.session.get(ParkPlan, step.park_plan_id)
    details = dict(changed)
    if "owner_id" in details:  # the trail shows names, not account numbers
        names = owner_names(details["owner_id"])
        details["owner"] = [names.get(user_id) for user_id in details.pop("owner_id")]
    _trail(
        plan,
        "step.updated",
        actor=actor,
        step=step,
        details={"step": step.kind.value, **details},
        entity="park_step",
        entity_id=step.id,
    )
    return changed


# --- documents -------------------------------------------------------------------------------


def _store(upload) -> StoredFile:
    if upload is None or not getattr(upload, "filename", None):
        raise Invalid({"file": _l("Choose a file.")})
    try:
        return store_upload(upload, allowed=DOCUMENT_TYPES, max_bytes=MAX_DOCUMENT_BYTES)
    except UploadError as error:
        raise Invalid({"file": str(error)}) from None


def add_document(plan: ParkPlan, kind, upload, *, actor) -> StepDocument:
    """Keep ``upload`` (checked by content and size) as a document of the plan's step ``kind``."""
    errors = {}
    try:
        step = step_of(plan, kind)
    except Invalid as refused:
        errors.update(refused.errors)
        step = None
    try:
        stored = _store(upload) if not errors else None
    except Invalid as refused:
        errors.update(refused.errors)
    if errors:
        raise Invalid(errors)
    document = StepDocument(
        park_step_id=step.id, stored_file_id=stored.id, added_by_id=getattr(actor, "id", None)
    )
    db.session.add(document)
    db.session.flush()
    _trail(
        plan,
        "document.added",
        actor=actor,
        step=step,
        details={"step": step.kind.value, "file": stored.original_name},
        entity="park_document",
        entity_id=document.id,
    )
    return document


def document_step(document: StepDocument) -> tuple[ParkPlan, ParkStep]:
    step = db.session.get(ParkStep, document.park_step_id)
    return db.session.get(ParkPlan, step.park_plan_id), step


def replace_document(document: StepDocument, upload, *, actor) -> StepDocument:
    """Put a new file in the document's place; the old file goes once this commits.

    The swap names the file it replaces, so of two people replacing (or deleting) the
    same document at once only the first succeeds; the second is told and keeps nothing."""
    stored = _store(upload)
    old_id = document.stored_file_id
    swapped = db.session.execute(
        update(StepDocument)
        .where(StepDocument.id == document.id, StepDocument.stored_file_id == old_id)
        .values(stored_file_id=stored.id, added_by_id=getattr(actor, "id", None))
        .execution_options(synchronize_session="fetch")
    )
    if swapped.rowcount != 1:
        raise Invalid(
            {"file": _l("Someone else replaced or deleted this document meanwhile; nothing was saved.")}
        )
    old = db.session.get(StoredFile, old_id)
    before = old.original_name if old is not None else None
    if old is not None:
        delete_file(old)
    plan, step = document_step(document)
    _trail(
        plan,
        "document.replaced",
        actor=actor,
        step=step,
        details={"step": step.kind.value, "file": [before, stored.original_name]},
        entity="park_document",
        entity_id=document.id,
    )
    db.session.expire(document)
    return document


def delete_document(document: StepDocument, *, actor) -> bool:
    """Delete the document; its file leaves the disk once this commits. False when it
    was gone already (someone else deleted it at the same moment)."""
    plan, step = document_step(document)
    document_id = document.id
    gone = db.session.execute(
        delete(StepDocument)
        .where(StepDocument.id == document_id)
        .returning(StepDocument.stored_file_id)
        .execution_options(synchronize_session="fetch")
    ).first()
    if gone is None:
        return False
    stored = db.session.get(StoredFile, gone[0])  # the file it held at the moment of deleting
    name = stored.original_name if stored is not None else None
    if stored is not None:
        delete_file(stored)
    _trail(
        plan,
        "document.deleted",
        actor=actor,
        step=step,
        details={"step": step.kind.value, "file": name},
        entity="park_document",
        entity_id=document_id,
    )
    return True


# --- people (privacy) ------------------------------------------------------------------------


def owned_steps(user) -> list[dict]:
    """The steps ``user`` owns in the tenant in scope, for their data export."""
    rows = db.session.execute(
        select(ParkStep, ParkPlan.park_name)
        .join(ParkPlan, ParkPlan.id == ParkStep.park_plan_id)
        .where(ParkStep.owner_id == user.id)
        .order_by(ParkPlan.park_name, ParkStep.position)
    ).all()
    return [
        {
            "park": name,
            "step": step.kind.value,
            "state": step.state.value,
            "starts_on": changes.plain(step.starts_on),
            "due_on": changes.plain(step.due_on),
        }
        for step, name in rows
    ]


def let_go_of(user) -> None:
    """Erasure: the steps stay with the park, without ``user`` as their owner; the
    documents stay too, without who added them."""
    for model, column in ((ParkStep, ParkStep.owner_id), (StepDocument, StepDocument.added_by_id)):
        db.session.execute(
            update(model)
            .where(column == user.id)
            .values({column.key: None})
            .execution_options(synchronize_session="fetch")
        )
    db.session.execute(
        update(ParkPlan)
        .where(ParkPlan.created_by_id == user.id)
        .values(created_by_id=None)
        .execution_options(synchronize_session="fetch")
    )


# --- the plan's export -----------------------------------------------------------------------


def export_section(masterplan: Masterplan):
    """The park's implementation plan as a section of the masterplan's PDF and Word
    export (and so of its published versions); None unless the plan is for a park with one."""
    if masterplan.scope != Scope.PARK or not masterplan.business_park_id:
        return None
    park = db.session.get(BusinessPark, masterplan.business_park_id)
    plan = plan_for(park) if park is not None else None
    if plan is None:
        return None
    owners = owner_names(step.owner_id for step in plan.steps)
    files: dict[int, list[str]] = {}  # every step's documents in one statement
    for step_id, name in db.session.execute(
        select(StepDocument.park_step_id, StoredFile.original_name)
        .join(StepDocument, StepDocument.stored_file_id == StoredFile.id)
        .where(StepDocument.park_step_id.in_([step.id for step in plan.steps]))
        .order_by(StepDocument.id)
    ):
        files.setdefault(step_id, []).append(name)
    rows = []
    for step in plan.steps:
        rows.append(
            [
                str(step.kind.label),
                str(step.state.label),
                owners.get(step.owner_id, "–"),
                format_date(step.starts_on) if step.starts_on else "–",
                format_date(step.due_on) if step.due_on else "–",
                ", ".join(files.get(step.id, ())) or "–",
            ]
        )
    blocks = [
        DocumentTable(
            [_("Step"), _("State"), _("Owner"), _("Starts on"), _("Due on"), _("Documents")],
            rows,
        )
    ]
    blocks += [Paragraph(f"{step.kind.label}: {step.note}") for step in plan.steps if step.note]
    return Section(_("Implementation plan of %(park)s", park=park.name), blocks)
