"""Projects contribute to goals: a project may count toward one or more goals of any plan
of the same tenant, and a goal lists the projects working toward it with their owner and
status. Linking and unlinking are written to the plan's history (of both plans when the
project and the goal belong to different ones) and to the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from kringwerk.plugin_api import Company, ContactPerson, db, record
from plugins.masterplan import changes
from plugins.masterplan.changes import Invalid
from plugins.masterplan.models import (
    Goal,
    GoalContribution,
    Masterplan,
    Project,
    ProjectEvent,
    ProjectGoal,
    ProjectStatus,
)

MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Contributor:
    """A project working toward a goal, with what the goal page shows of it."""

    link_id: int
    project_id: int
    masterplan_id: int
    title: str
    status: ProjectStatus
    company: str | None
    contact: str | None


def _id(value) -> int | None:
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and 0 < int(text) <= MAX_ID else None


def _titles(rows) -> str:
    """Titles as the history shows them: one line, by name."""
    return "; ".join(sorted(row.title for row in rows))


def add_once(row, refusal: dict) -> None:
    """Add a link row in a savepoint: a parallel request that added the same link first (the
    unique key holds it) gets ``refusal`` like the check before it, never a server error."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Invalid(refusal) from None


def project_goals(project: Project) -> list[tuple[ProjectGoal, Goal]]:
    """The goals ``project`` contributes to, by deadline."""
    return list(
        db.session.execute(
            select(ProjectGoal, Goal)
            .join(Goal, Goal.id == ProjectGoal.goal_id)
            .where(ProjectGoal.project_id == project.id)
            .order_by(Goal.deadline, Goal.id)
        ).all()
    )


def goal_choices(project: Project) -> list[tuple[Goal, str]]:
    """Goals of the tenant ``project`` does not contribute to yet, with their plan's title."""
    linked = select(ProjectGoal.goal_id).where(ProjectGoal.project_id == project.id)
    return list(
        db.session.execute(
            select(Goal, Masterplan.title)
            .join(Masterplan, Masterplan.id == Goal.masterplan_id)
            .where(Goal.id.not_in(linked))
            .order_by(Masterplan.title, Goal.title, Goal.id)
        ).all()
    )


def contributors(goal: Goal) -> list[Contributor]:
    """The projects contributing to ``goal``, with owner (company and person) and status."""
    contact = aliased(ContactPerson)
    rows = db.session.execute(
        select(ProjectGoal.id, Project, Company.name, contact.name)
        .join(Project, Project.id == ProjectGoal.project_id)
        .outerjoin(Company, Company.id == Project.owner_company_id)
        .outerjoin(contact, contact.id == Project.owner_contact_id)
        .where(ProjectGoal.goal_id == goal.id)
        .order_by(Project.title, Project.id)
    ).all()
    return [
        Contributor(link_id, p.id, p.masterplan_id, p.title, p.status, company, person)
        for link_id, p, company, person in rows
    ]


def project_choices(goal: Goal) -> list[Project]:
    """Projects of the tenant not yet contributing to ``goal``."""
    linked = select(ProjectGoal.project_id).where(ProjectGoal.goal_id == goal.id)
    return list(
        db.session.scalars(
            select(Project).where(Project.id.not_in(linked)).order_by(Project.title, Project.id)
        )
    )


def _log(project: Project, goal: Goal, before_goals, before_projects, actor) -> None:
    """Both sides' history: the project's goals before → after, and (in the goal's plan when it
    is another one) the goal's projects before → after."""
    changes.log(
        project.masterplan_id,
        actor,
        "project",
        project.id,
        "updated",
        {"goals": [before_goals, _titles(g for _, g in project_goals(project))]},
    )
    after_projects = _titles(contributors(goal))
    if goal.masterplan_id != project.masterplan_id:
        changes.log(
            goal.masterplan_id,
            actor,
            "goal",
            goal.id,
            "updated",
            {"projects": [before_projects, after_projects]},
        )
    db.session.flush()


def link(project: Project, goal_id, *, actor) -> ProjectGoal:
    """Let ``project`` count toward the goal ``goal_id`` of the same tenant; Invalid otherwise."""
    wanted = _id(goal_id)
    goal = db.session.get(Goal, wanted) if wanted is not None else None
    if goal is None:
        raise Invalid({"goal_id": _l("Choose a goal of this association.")})
    before = project_goals(project)
    if any(g.id == goal.id for _, g in before):
        raise Invalid({"goal_id": _l("This project already contributes to this goal.")})
    before_projects = _titles(contributors(goal))
    row = ProjectGoal(project_id=project.id, goal_id=goal.id, linked_by_id=getattr(actor, "id", None))
    add_once(row, {"goal_id": _l("This project already contributes to this goal.")})
    _log(project, goal, _titles(g for _, g in before), before_projects, actor)
    record(
        "masterplan.project_goal_linked",
        actor=actor,
        target=project,
        target_label=project.title,
        details={"goal_id": goal.id, "goal": goal.title},
    )
    return row


def unlink(row: ProjectGoal, *, actor) -> None:
    project = db.session.get(Project, row.project_id)
    goal = db.session.get(Goal, row.goal_id)
    before_goals = _titles(g for _, g in project_goals(project))
    before_projects = _titles(contributors(goal))
    db.session.delete(row)
    db.session.flush()
    _log(project, goal, before_goals, before_projects, actor)
    record(
        "masterplan.project_goal_unlinked",
        actor=actor,
        target=project,
        target_label=project.title,
        details={"goal_id": goal.id, "goal": goal.title},
    )


def link_project(goal: Goal, project_id, *, actor) -> ProjectGoal:
    """From the goal's side: let the project ``project_id`` of the same tenant count toward ``goal``."""
    wanted = _id(project_id)
    project = db.session.get(Project, wanted) if wanted is not None else None
    if project is None:
        raise Invalid({"project_id": _l("Choose a project of this association.")})
    try:
        return link(project, goal.id, actor=actor)
    except Invalid as refused:
        raise Invalid({"project_id": next(iter(refused.errors.values()))}) from None


def let_go_of(user) -> None:
    """Erasure of a member: the links stay (they belong to the association), who made them goes."""
    for model, column in (
        (ProjectGoal, ProjectGoal.linked_by_id),
        (ProjectEvent, ProjectEvent.linked_by_id),
        (GoalContribution, GoalContribution.declared_by_id),
    ):
        db.session.execute(
            update(model)
            .where(column == user.id)
            .values({column.key: None})
            .execution_options(synchronize_session="fetch")
        )
