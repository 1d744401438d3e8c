"""Goals of a plan: the board sets them; the goal's page shows progress as an SVG
chart with the measurements in a table, and takes new measurements. The board edits
a goal in place with htmx (a page of its own without JavaScript); a stale save
shows the newer version."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import MANAGERS, Theme, db, page_or_block, require_member, wants_fragment
from plugins.masterplan import conflicts, goals, plans
from plugins.masterplan.changes import Invalid, StaleEdit
from plugins.masterplan.charts import goal_chart
from plugins.masterplan.forms import GoalForm, MeasurementForm, choices, show
from plugins.masterplan.models import Goal
from plugins.masterplan.views import actor, bp, child_or_404, is_manager, plan_or_404
from plugins.masterplan.views.links import goal_links

GOAL_FIELDS = ("title", "theme_id", "unit", "baseline", "target", "deadline")


def _form(goal=None) -> GoalForm:
    # Filled by hand, not with obj=: a POST that leaves a field out must not fall back to
    # the row's typed values (a Decimal is not text for the form's validators).
    form = GoalForm()
    form.theme_id.choices = choices(plans.themes(), lambda row: row.name)
    if goal is not None and not form.is_submitted():
        form.title.data = goal.title
        form.unit.data = goal.unit
        form.theme_id.data = str(goal.theme_id or "")
        form.baseline.data = str(goal.baseline)
        form.target.data = str(goal.target)
        form.deadline.data = goal.deadline.isoformat()
        form.version.data = str(goal.version)
    return form


def _theme_of(goal: Goal) -> Theme | None:
    return db.session.get(Theme, goal.theme_id) if goal.theme_id else None


def _goal_page(plan, goal, measurement_form=None, status=200, *, saved: bool = False):
    return page_or_block(
        "masterplan/goal.html",
        "goal",
        status=status,
        plan=plan,
        goal=goal,
        theme=_theme_of(goal),
        chart=goal_chart(goal),
        progress=goals.progress(goal),
        form=measurement_form or MeasurementForm(),
        manager=is_manager(),
        saved=saved,
        **({} if wants_fragment() else goal_links(plan, goal)),
    )


@bp.route("/<int:masterplan_id>/goals/new", methods=["GET", "POST"])
@require_member(*MANAGERS)
def new_goal(masterplan_id: int):
    plan = plan_or_404(masterplan_id)
    form = _form()
    if form.validate_on_submit():
        try:
            goal = goals.create_goal(plan, {name: form[name].data for name in GOAL_FIELDS}, actor=actor())
        except Invalid as refused:
            db.session.rollback()
            plan = plan_or_404(masterplan_id)
            show(form, refused.errors)
        else:
            db.session.commit()
            flash(_("The goal has been saved."), "success")
            return redirect(url_for("masterplan.goal", masterplan_id=plan.id, goal_id=goal.id), 303)
    return (
        render_template("masterplan/goal_form.html", form=form, plan=plan, goal=None),
        422 if form.is_submitted() else 200,
    )


@bp.get("/<int:masterplan_id>/goals/<int:goal_id>")
@require_member()
def goal(masterplan_id: int, goal_id: int):
    plan = plan_or_404(masterplan_id)
    return _goal_page(plan, child_or_404(Goal, goal_id, plan))


STALE_GOAL = _l(
    "Someone else saved this goal after you opened it, so your changes have not been saved. "
    "Their version is shown above the form, which still holds your changes: save again to replace "
    "their version with yours, or cancel to keep theirs."
)


@bp.route("/<int:masterplan_id>/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@require_member(*MANAGERS)
def edit_goal(masterplan_id: int, goal_id: int):
    plan = plan_or_404(masterplan_id)
    row = child_or_404(Goal, goal_id, plan)
    form = _form(row)
    conflict = None
    if form.validate_on_submit():
        try:
            goals.update_goal(
                row,
                {name: form[name].data for name in GOAL_FIELDS},
                expected_version=form.version.data,
                actor=actor(),
            )
        except StaleEdit:
            # Never overwrite: show what is saved now beside what this person typed; the form
            # takes the current version, so saving again is a choice made with both in view.
            db.session.rollback()
            plan = plan_or_404(masterplan_id)
            row = child_or_404(Goal, goal_id, plan)
            conflict = {
                "goal": row,
                "theme": _theme_of(row),
                "change": conflicts.latest_change(plan.id, "goal", row.id),
            }
            form.version.data = str(row.version)
            form.form_errors.append(str(STALE_GOAL))
        except Invalid as refused:
            db.session.rollback()
            plan = plan_or_404(masterplan_id)
            row = child_or_404(Goal, goal_id, plan)
            show(form, refused.errors)
        else:
            db.session.commit()
            if wants_fragment():
                return _goal_page(plan, row, saved=True)
            flash(_("The goal has been saved."), "success")
            return redirect(url_for("masterplan.goal", masterplan_id=plan.id, goal_id=row.id), 303)
    status = 200
    if form.is_submitted():
        status = 409 if conflict else 422
    return page_or_block(
        "masterplan/goal_form.html",
        "editor",
        status=status,
        form=form,
        plan=plan,
        goal=row,
        conflict=conflict,
    )


@bp.post("/<int:masterplan_id>/goals/<int:goal_id>/measurements")
@require_member(*MANAGERS)
def add_measurement(masterplan_id: int, goal_id: int):
    plan = plan_or_404(masterplan_id)
    row = child_or_404(Goal, goal_id, plan)
    form = MeasurementForm()
    if form.validate_on_submit():
        try:
            goals.add_measurement(row, form.data, actor=actor())
        except Invalid as refused:
            db.session.rollback()
            plan = plan_or_404(masterplan_id)
            row = child_or_404(Goal, goal_id, plan)
            show(form, refused.errors)
        else:
            db.session.commit()
            flash(_("The measurement has been added."), "success")
            return redirect(url_for("masterplan.goal", masterplan_id=plan.id, goal_id=row.id), 303)
    return _goal_page(plan, row, form, status=422)
