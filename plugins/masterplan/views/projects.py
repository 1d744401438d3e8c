"""Projects of a plan: a member proposes one (an idea), the board or the proposer
works it out. The edit form carries the version it was opened at; with htmx it
opens in place of the project's details and saving swaps them back, without
JavaScript it is a page of its own. A stale save shows the newer version."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import (
    MANAGERS,
    Company,
    ContactPerson,
    Theme,
    db,
    page_or_block,
    require_member,
    wants_fragment,
)
from plugins.masterplan import conflicts, followup, plans, projects
from plugins.masterplan.changes import Invalid, StaleEdit
from plugins.masterplan.forms import ProjectForm, choices, show
from plugins.masterplan.models import Project
from plugins.masterplan.views import actor, bp, child_or_404, is_manager, plan_or_404
from plugins.masterplan.views.links import project_links


def _form(project=None, theme_id=None) -> ProjectForm:
    # Filled by hand, not with obj=: a POST that leaves a field out must not fall back to
    # the row's typed values (its milestones are rows, not text).
    form = ProjectForm()
    form.theme_id.choices = choices(plans.themes(), lambda row: row.name, empty=False)
    companies = db.session.scalars(select(Company).order_by(Company.name)).all()
    form.owner_company_id.choices = choices(companies, lambda row: row.name)
    contacts = db.session.scalars(select(ContactPerson).order_by(ContactPerson.name)).all()
    form.owner_contact_id.choices = choices(contacts, lambda row: row.name)
    if not form.is_submitted():
        if project is not None:
            for name in ("title", "description", "partners", "funding_name"):
                form[name].data = getattr(project, name) or ""
            for name in ("theme_id", "owner_company_id", "owner_contact_id"):
                form[name].data = str(getattr(project, name) or "")
            form.funding.data = project.funding.value if project.funding else ""
            form.status.data = project.status.value
            form.budget.data = str(project.budget) if project.budget is not None else ""
            form.starts_on.data = project.starts_on.isoformat() if project.starts_on else ""
            form.ends_on.data = project.ends_on.isoformat() if project.ends_on else ""
            form.milestones.data = "\n".join(f"{m.due_on.isoformat()} {m.title}" for m in project.milestones)
            form.version.data = str(project.version)
        elif theme_id:
            form.theme_id.data = str(theme_id)
    return form


def _values(form: ProjectForm) -> dict:
    values = {name: form[name].data for name in projects.FIELDS}
    values["milestones"] = form.milestone_lines()
    return values


def _interested(project: Project) -> list[Company]:
    ids = (
        [i for i in project.interested_company_ids or [] if isinstance(i, int)]
        if isinstance(project.interested_company_ids, list)
        else []
    )
    if not ids:
        return []
    return list(db.session.scalars(select(Company).where(Company.id.in_(ids)).order_by(Company.name)))


def _may_edit(project: Project) -> bool:
    return is_manager() or project.created_by_id == actor().id


@bp.route("/<int:masterplan_id>/projects/new", methods=["GET", "POST"])
@require_member()
def new_project(masterplan_id: int):
    plan = plan_or_404(masterplan_id)
    form = _form(theme_id=request.args.get("theme", type=int))
    if form.validate_on_submit():
        values = _values(form)
        if not is_manager():
            values["status"] = "idea"  # a member proposes; the board takes it further
        try:
            project = projects.create_project(plan, values, actor=actor())
        except Invalid as refused:
            db.session.rollback()
            plan = plan_or_404(masterplan_id)
            show(form, refused.errors)
        else:
            db.session.commit()
            flash(_("The project has been saved."), "success")
            return redirect(url_for("masterplan.project", masterplan_id=plan.id, project_id=project.id), 303)
    return (
        render_template(
            "masterplan/project_form.html", form=form, plan=plan, project=None, manager=is_manager()
        ),
        422 if form.is_submitted() else 200,
    )


def _facts(row: Project) -> dict:
    """What the project's facts show besides the row itself."""
    return {
        "theme": db.session.get(Theme, row.theme_id),
        "company": db.session.get(Company, row.owner_company_id) if row.owner_company_id else None,
        "contact": db.session.get(ContactPerson, row.owner_contact_id) if row.owner_contact_id else None,
    }


def _project_page(plan, row: Project, *, saved: bool = False):
    return page_or_block(
        "masterplan/project.html",
        "project",
        plan=plan,
        project=row,
        interested=_interested(row),
        may_edit=_may_edit(row),
        saved=saved,
        **_facts(row),
        **({} if wants_fragment() else project_links(plan, row)),
    )


@bp.get("/<int:masterplan_id>/projects/<int:project_id>")
@require_member()
def project(masterplan_id: int, project_id: int):
    plan = plan_or_404(masterplan_id)
    return _project_page(plan, child_or_404(Project, project_id, plan))


STALE_PROJECT = _l(
    "Someone else saved this project after you opened it, so your changes have not been saved. "
    "Their version is shown above the form, which still holds your changes: save again to replace "
    "their version with yours, or cancel to keep theirs."
)


@bp.route("/<int:masterplan_id>/projects/<int:project_id>/edit", methods=["GET", "POST"])
@require_member()
def edit_project(masterplan_id: int, project_id: int):
    plan = plan_or_404(masterplan_id)
    row = child_or_404(Project, project_id, plan)
    if not _may_edit(row):
        abort(403)
    form = _form(row)
    conflict = None
    if form.validate_on_submit():
        values = _values(form)
        if not is_manager():
            values["status"] = row.status.value
        try:
            projects.update_project(row, values, expected_version=form.version.data, actor=actor())
        except StaleEdit:
            # Never overwrite: show what is saved now beside what this person typed. The form
            # takes the current version, so saving again is a choice made with both in view.
            db.session.rollback()
            plan = plan_or_404(masterplan_id)
            row = child_or_404(Project, project_id, plan)
            conflict = {
                "project": row,
                "change": conflicts.latest_change(plan.id, "project", row.id),
                **_facts(row),
            }
            form.version.data = str(row.version)
            form.form_errors.append(str(STALE_PROJECT))
        except Invalid as refused:
            db.session.rollback()
            plan = plan_or_404(masterplan_id)
            row = child_or_404(Project, project_id, plan)
            show(form, refused.errors)
        else:
            db.session.commit()
            if wants_fragment():
                return _project_page(plan, row, saved=True)
            flash(_("The project has been saved."), "success")
            return redirect(url_for("masterplan.project", masterplan_id=plan.id, project_id=row.id), 303)
    status = 200
    if form.is_submitted():
        status = 409 if conflict else 422
    return page_or_block(
        "masterplan/project_form.html",
        "editor",
        status=status,
        form=form,
        plan=plan,
        project=row,
        manager=is_manager(),
        conflict=conflict,
    )


@bp.post("/<int:masterplan_id>/from-match")
@require_member(*MANAGERS)
def from_match(masterplan_id: int):
    """The polls' follow-up button: a project proposal on the match's theme with its companies."""
    plan = plan_or_404(masterplan_id)
    theme_id = request.form.get("theme_id", type=int)
    company_ids = [
        int(value) for value in request.form.getlist("company_ids") if value.isdigit() and len(value) < 10
    ]
    try:
        project = followup.proposal_from_match(
            plan, theme_id, company_ids, request.form.get("source", "")[:200], actor=actor()
        )
    except Invalid:
        db.session.rollback()
        abort(404)
    db.session.commit()
    flash(_("A project proposal has been added with the interested companies."), "success")
    return redirect(url_for("masterplan.project", masterplan_id=plan.id, project_id=project.id), 303)
