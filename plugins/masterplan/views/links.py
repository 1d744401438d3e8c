"""What a project contributes to and where it meets: linking a project to goals (from the
project's page and the goal's), to events on the calendar (where the events plugin is on),
and an association's goal to a goal of its regional network; the network's goal page shows
its members' goals rolled up. Each form answers htmx with its section (422 with the
message next to the field when refused), and a plain POST with a redirect or that section
as a page of its own.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from kringwerk.plugin_api import MANAGERS, current_tenant, db, page_or_block, require_member, wants_fragment
from plugins.masterplan import contributions, event_links, network_goals
from plugins.masterplan.changes import Invalid
from plugins.masterplan.models import Goal, GoalContribution, Project, ProjectEvent, ProjectGoal
from plugins.masterplan.views import actor, bp, child_or_404, is_manager, plan_or_404


def may_edit_project(project: Project) -> bool:
    return is_manager() or project.created_by_id == actor().id


def project_links(plan, project: Project, *, errors=None, notice=None) -> dict:
    """What the project page's links section shows."""
    tenant = current_tenant()
    editable = may_edit_project(project)
    return {
        "link_goals": contributions.project_goals(project),
        "goal_choices": contributions.goal_choices(project) if editable else [],
        "linked_events": event_links.linked(tenant, project),
        "event_choices": (event_links.offered(tenant, project) or []) if editable else [],
        "may_link": editable,
        "link_errors": errors or {},
        "link_notice": notice,
    }


def goal_links(plan, goal: Goal, *, errors=None, notice=None) -> dict:
    """What the goal page's links section shows."""
    tenant = current_tenant()
    manager = is_manager()
    network = network_goals.rollup(tenant, goal)
    return {
        "contributors": contributions.contributors(goal),
        "project_choices": contributions.project_choices(goal) if manager else [],
        "rollup": network,
        "rollup_share": network.of_target(goal) if network else None,
        "declared": network_goals.declared(tenant, goal) if network is None else [],
        "network_choices": network_goals.choices(tenant, goal) if network is None and manager else [],
        "may_link": manager,
        "link_errors": errors or {},
        "link_notice": notice,
    }


def _checked() -> None:
    if not FlaskForm().validate_on_submit():  # the CSRF token
        abort(400)


# Per kind of page: its model, the template and its variable, what its links section shows.
_SECTIONS = {
    "project": (Project, "masterplan/project_links.html", "project", project_links),
    "goal": (Goal, "masterplan/goal_links.html", "goal", goal_links),
}


def _answer(kind: str, masterplan_id: int, row_id: int, action, message: str):
    """Do ``action`` and answer with the links section: 422 with the messages when refused,
    the section with ``message`` for htmx, else a redirect to the page."""
    model, template, name, links = _SECTIONS[kind]
    _checked()
    try:
        action()
    except Invalid as refused:
        db.session.rollback()
        shown = {"errors": refused.errors}
        status = 422
    else:
        db.session.commit()
        if not wants_fragment():
            flash(message, "success")
            return redirect(
                url_for(f"masterplan.{kind}", masterplan_id=masterplan_id, **{f"{kind}_id": row_id}), 303
            )
        shown = {"notice": message}
        status = 200
    plan = plan_or_404(masterplan_id)
    row = child_or_404(model, row_id, plan)
    return page_or_block(
        template, "links", status=status, plan=plan, **{name: row}, **links(plan, row, **shown)
    )


def _project_answer(masterplan_id: int, project_id: int, action, message: str):
    return _answer("project", masterplan_id, project_id, action, message)


def _goal_answer(masterplan_id: int, goal_id: int, action, message: str):
    return _answer("goal", masterplan_id, goal_id, action, message)


def _editable_project(masterplan_id: int, project_id: int) -> Project:
    plan = plan_or_404(masterplan_id)
    row = child_or_404(Project, project_id, plan)
    if not may_edit_project(row):
        abort(403)
    return row


def _link_row(model, row_id: int, **owner):
    row = db.session.get(model, row_id)
    if row is None or any(getattr(row, key) != value for key, value in owner.items()):
        abort(404)
    return row


# --- from the project's page -----------------------------------------------------------------


@bp.post("/<int:masterplan_id>/projects/<int:project_id>/goals")
@require_member()
def link_project_goal(masterplan_id: int, project_id: int):
    row = _editable_project(masterplan_id, project_id)
    return _project_answer(
        masterplan_id,
        project_id,
        lambda: contributions.link(row, request.form.get("goal_id"), actor=actor()),
        _("The project now contributes to the goal."),
    )


@bp.post("/<int:masterplan_id>/projects/<int:project_id>/goals/<int:project_goal_id>/unlink")
@require_member()
def unlink_project_goal(masterplan_id: int, project_id: int, project_goal_id: int):
    row = _editable_project(masterplan_id, project_id)
    link = _link_row(ProjectGoal, project_goal_id, project_id=row.id)
    return _project_answer(
        masterplan_id,
        project_id,
        lambda: contributions.unlink(link, actor=actor()),
        _("The project no longer counts toward that goal."),
    )


@bp.post("/<int:masterplan_id>/projects/<int:project_id>/events")
@require_member()
def link_project_event(masterplan_id: int, project_id: int):
    row = _editable_project(masterplan_id, project_id)
    return _project_answer(
        masterplan_id,
        project_id,
        lambda: event_links.link(current_tenant(), row, request.form.get("event_id"), actor=actor()),
        _("The event has been linked to the project."),
    )


@bp.post("/<int:masterplan_id>/projects/<int:project_id>/events/<int:project_event_id>/unlink")
@require_member()
def unlink_project_event(masterplan_id: int, project_id: int, project_event_id: int):
    row = _editable_project(masterplan_id, project_id)
    link = _link_row(ProjectEvent, project_event_id, project_id=row.id)
    return _project_answer(
        masterplan_id,
        project_id,
        lambda: event_links.unlink(link, actor=actor()),
        _("The event is no longer linked to the project."),
    )


# --- from the goal's page -------------------------------------------------------------------


@bp.post("/<int:masterplan_id>/goals/<int:goal_id>/projects")
@require_member(*MANAGERS)
def link_goal_project(masterplan_id: int, goal_id: int):
    row = child_or_404(Goal, goal_id, plan_or_404(masterplan_id))
    return _goal_answer(
        masterplan_id,
        goal_id,
        lambda: contributions.link_project(row, request.form.get("project_id"), actor=actor()),
        _("The project now contributes to the goal."),
    )


@bp.post("/<int:masterplan_id>/goals/<int:goal_id>/projects/<int:project_goal_id>/unlink")
@require_member(*MANAGERS)
def unlink_goal_project(masterplan_id: int, goal_id: int, project_goal_id: int):
    row = child_or_404(Goal, goal_id, plan_or_404(masterplan_id))
    link = _link_row(ProjectGoal, project_goal_id, goal_id=row.id)
    return _goal_answer(
        masterplan_id,
        goal_id,
        lambda: contributions.unlink(link, actor=actor()),
        _("The project no longer counts toward this goal."),
    )


@bp.post("/<int:masterplan_id>/goals/<int:goal_id>/network")
@require_member(*MANAGERS)
def declare_network_goal(masterplan_id: int, goal_id: int):
    row = child_or_404(Goal, goal_id, plan_or_404(masterplan_id))
    return _goal_answer(
        masterplan_id,
        goal_id,
        lambda: network_goals.declare(
            current_tenant(), row, request.form.get("network_goal_id"), actor=actor()
        ),
        _("The goal now counts toward the network's goal."),
    )


@bp.post("/<int:masterplan_id>/goals/<int:goal_id>/network/<int:goal_contribution_id>/withdraw")
@require_member(*MANAGERS)
def withdraw_network_goal(masterplan_id: int, goal_id: int, goal_contribution_id: int):
    row = child_or_404(Goal, goal_id, plan_or_404(masterplan_id))
    link = _link_row(GoalContribution, goal_contribution_id, goal_id=row.id)
    return _goal_answer(
        masterplan_id,
        goal_id,
        lambda: network_goals.withdraw(link, actor=actor()),
        _("The goal no longer counts toward the network's goal."),
    )
