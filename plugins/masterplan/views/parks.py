"""Implementation plans per business park: the overview of every park of the tenant with
its steps' states and next due date, a park's plan with its steps and documents,
starting a plan, editing a step, and adding, replacing and deleting (after asking)
a step's documents. Members read; the board and park managers change every step, a
step's owner changes that step and its documents."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from kringwerk.plugin_api import (
    MANAGERS,
    BusinessPark,
    StoredFile,
    db,
    file_url,
    paginate,
    require_member,
)
from plugins.masterplan import parks
from plugins.masterplan.changes import Invalid
from plugins.masterplan.forms import choices, show
from plugins.masterplan.models import ParkPlan, ParkStep, StepDocument
from plugins.masterplan.park_forms import DocumentForm, ReplaceForm, StepForm
from plugins.masterplan.views import actor, bp, is_manager


def _park_or_404(park_id: int) -> BusinessPark:
    park = db.session.get(BusinessPark, park_id)
    if park is None:
        abort(404)
    return park


def _plan_or_404(plan_id: int) -> ParkPlan:
    plan = db.session.get(ParkPlan, plan_id)
    if plan is None:
        abort(404)
    return plan


def _step_or_404(step_id: int) -> ParkStep:
    step = db.session.get(ParkStep, step_id)
    if step is None:
        abort(404)
    return step


def _document_or_404(document_id: int) -> StepDocument:
    document = db.session.get(StepDocument, document_id)
    if document is None:
        abort(404)
    return document


def _may_change(step: ParkStep) -> bool:
    """The board and park managers change every step; a member the step they own."""
    return is_manager() or (step.owner_id is not None and step.owner_id == actor().id)


def _change_or_403(step: ParkStep) -> None:
    if not _may_change(step):
        abort(403)


@bp.get("/parks/")
@require_member()
def parks_overview():
    page = paginate(select(BusinessPark).order_by(BusinessPark.name, BusinessPark.id))
    return render_template(
        "masterplan/parks.html",
        page=page,
        rows=parks.overview(list(page.items)),
        orphaned=parks.orphaned_plans() if page.number == 1 else [],
        manager=is_manager(),
    )


@bp.get("/parks/<int:business_park_id>/")
@require_member()
def park(business_park_id: int):
    """A park's implementation plan, or the invitation to start one."""
    found = _park_or_404(business_park_id)
    plan = parks.plan_for(found)
    if plan is not None:
        return redirect(url_for("masterplan.park_plan", park_plan_id=plan.id))
    return render_template("masterplan/park_start.html", park=found, manager=is_manager(), form=FlaskForm())


@bp.post("/parks/<int:business_park_id>/start")
@require_member(*MANAGERS)
def start_park_plan(business_park_id: int):
    found = _park_or_404(business_park_id)
    if not FlaskForm().validate_on_submit():  # the CSRF check
        abort(400)
    plan = parks.start_plan(found, actor=actor())
    db.session.commit()
    flash(_("The implementation plan has been started."), "success")
    return redirect(url_for("masterplan.park_plan", park_plan_id=plan.id), 303)


def _plan_page(plan: ParkPlan, *, document_form=None, status=200):
    park = parks.park_of(plan)
    changeable = [step for step in plan.steps if _may_change(step)]
    if document_form is None:
        document_form = DocumentForm(prefix="document")
        current = parks.current_step(plan)
        if current not in changeable:
            current = changeable[0] if changeable else None
        document_form.step.data = current.kind.value if current else ""
    document_form.step.choices = [(step.kind.value, step.kind.label) for step in changeable]
    owners = parks.owner_names(step.owner_id for step in plan.steps)
    return render_template(
        "masterplan/park.html",
        plan=plan,
        park=park,
        name=park.name if park else plan.park_name,
        owners=owners,
        masterplans=parks.park_masterplans(plan),
        next_due=parks.next_due(plan),
        document_form=document_form,
        file_url=file_url,
        manager=is_manager(),
        changeable={step.id for step in changeable},
    ), status


@bp.get("/park-plans/<int:park_plan_id>/")
@require_member()
def park_plan(park_plan_id: int):
    return _plan_page(_plan_or_404(park_plan_id))


def _step_form(step: ParkStep) -> StepForm:
    form = StepForm()  # filled by hand: a POST never falls back to the row's typed values
    form.owner_id.choices = choices(parks.owner_choices(), lambda user: user.name)
    if not form.is_submitted():
        form.owner_id.data = str(step.owner_id or "")
        form.starts_on.data = step.starts_on.isoformat() if step.starts_on else ""
        form.due_on.data = step.due_on.isoformat() if step.due_on else ""
        form.state.data = step.state.value
        form.note.data = step.note or ""
        form.version.data = str(step.version)
    return form


@bp.route("/park-steps/<int:park_step_id>/edit", methods=["GET", "POST"])
@require_member()
def edit_park_step(park_step_id: int):
    step = _step_or_404(park_step_id)
    _change_or_403(step)
    form = _step_form(step)
    if form.validate_on_submit():
        try:
            parks.update_step(step, form.data, expected_version=form.version.data, actor=actor())
        except Invalid as refused:
            db.session.rollback()
            step = _step_or_404(park_step_id)
            show(form, refused.errors)
        else:
            db.session.commit()
            flash(_("The step has been saved."), "success")
            return redirect(url_for("masterplan.park_plan", park_plan_id=step.park_plan_id), 303)
    plan = _plan_or_404(step.park_plan_id)
    park = parks.park_of(plan)
    return render_template(
        "masterplan/park_step_form.html",
        form=form,
        step=step,
        plan=plan,
        name=park.name if park else plan.park_name,
    ), 422 if form.is_submitted() else 200


@bp.post("/park-plans/<int:park_plan_id>/documents")
@require_member()
def add_park_document(park_plan_id: int):
    plan = _plan_or_404(park_plan_id)
    if not any(_may_change(step) for step in plan.steps):
        abort(403)
    form = DocumentForm(prefix="document")
    if form.validate_on_submit():
        try:
            _change_or_403(parks.step_of(plan, form.step.data))
            parks.add_document(plan, form.step.data, form.file.data, actor=actor())
        except Invalid as refused:
            db.session.rollback()
            plan = _plan_or_404(park_plan_id)
            show(form, refused.errors)
        else:
            db.session.commit()
            flash(_("The document has been added."), "success")
            return redirect(url_for("masterplan.park_plan", park_plan_id=plan.id), 303)
    return _plan_page(plan, document_form=form, status=422)


def _document_page(document: StepDocument, *, form=None, status=200):
    plan, step = parks.document_step(document)
    park = parks.park_of(plan)
    return render_template(
        "masterplan/park_document.html",
        document=document,
        stored=db.session.get(StoredFile, document.stored_file_id),
        plan=plan,
        step=step,
        name=park.name if park else plan.park_name,
        form=form or ReplaceForm(),
        file_url=file_url,
        may_change=_may_change(step),
    ), status


@bp.get("/step-documents/<int:step_document_id>/")
@require_member()
def park_document(step_document_id: int):
    return _document_page(_document_or_404(step_document_id))


@bp.post("/step-documents/<int:step_document_id>/replace")
@require_member()
def replace_park_document(step_document_id: int):
    document = _document_or_404(step_document_id)
    _change_or_403(parks.document_step(document)[1])
    form = ReplaceForm()
    if form.validate_on_submit():
        try:
            parks.replace_document(document, form.file.data, actor=actor())
        except Invalid as refused:
            db.session.rollback()
            document = _document_or_404(step_document_id)
            show(form, refused.errors)
        else:
            db.session.commit()
            flash(_("The document has been replaced."), "success")
            return redirect(url_for("masterplan.park_document", step_document_id=document.id), 303)
    return _document_page(document, form=form, status=422)


@bp.route("/step-documents/<int:step_document_id>/delete", methods=["GET", "POST"])
@require_member()
def delete_park_document(step_document_id: int):
    document = _document_or_404(step_document_id)
    plan, step = parks.document_step(document)
    _change_or_403(step)
    stored = db.session.get(StoredFile, document.stored_file_id)
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():  # the CSRF check
            abort(400)
        parks.delete_document(document, actor=actor())
        db.session.commit()
        flash(_("The document has been deleted."), "success")
        return redirect(url_for("masterplan.park_plan", park_plan_id=plan.id), 303)
    return render_template(
        "masterplan/park_document_delete.html",
        document=document,
        stored=stored,
        plan=plan,
        step=step,
    )
