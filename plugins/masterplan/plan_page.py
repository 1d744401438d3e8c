"""What a plan's page shows, read in a fixed number of statements however many wishes,
challenges, projects, goals, measurements or rounds the plan has: one each for the items,
the projects, the goals with their progress (``goals.goal_lines``) and the rounds (the
themes come from the process cache); the latest closed round (which orders the themes) is
found among the rounds.

Rounds, themes, items and projects are read as the few columns the page shows, not as
entities, and grouped by theme in one pass: the page lists them under every theme. The
view keeps the rendered page per person and day (``views.plans``), so this runs once after
each write.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import get_locale
from sqlalchemy import bindparam, select

from kringwerk.plugin_api import active_themes, current_tenant, db
from plugins.masterplan import goals, rounds
from plugins.masterplan.goals import GoalLine
from plugins.masterplan.models import Item, ItemKind, PriorityRound, Project, ProjectStatus


@dataclass(frozen=True)
class ThemeLine:
    """A theme as the page heads a section with it: the name in the page's language."""

    id: int
    position: int
    name: str


@dataclass(frozen=True)
class ItemLine:
    id: int
    text: str


@dataclass(frozen=True)
class ProjectLine:
    id: int
    title: str
    status: ProjectStatus


@dataclass(frozen=True)
class RoundLine:
    """A priority round as the page lists it (and ``rounds.ranked`` orders by)."""

    id: int
    title: str
    opens_on: date
    closes_on: date
    closed_at: datetime | None
    result: list | None


@dataclass
class ThemeRow:
    """One theme's section: its wishes, challenges, projects and goals, each in page order."""

    theme: ThemeLine
    wishes: list[ItemLine] = field(default_factory=list)
    challenges: list[ItemLine] = field(default_factory=list)
    projects: list[ProjectLine] = field(default_factory=list)
    goals: list[GoalLine] = field(default_factory=list)


@dataclass
class PlanPage:
    rows: list[ThemeRow]  # the themes in priority order
    plan_goals: list[GoalLine]  # goals of the plan as a whole (no theme)
    rounds: list[RoundLine]  # newest first
    ranked: RoundLine | None  # the closed round that orders the themes


# The statements are built once per process with a bound plan id; they hold no data, and the
# tenant scope is added when they run, as for every statement.


def _themes() -> list[ThemeLine]:
    """The active themes as plain values, named in the page's language (kept per process in
    a request, in the order of plans.themes(): the taxonomy's)."""
    english = str(get_locale() or "nl").startswith("en")
    return [
        ThemeLine(theme.id, theme.position, theme.name_en if english else theme.name_nl)
        for theme in active_themes(current_tenant())
    ]


@functools.cache
def _items_statement():
    return (
        select(Item.id, Item.text, Item.theme_id, Item.kind)
        .where(Item.masterplan_id == bindparam("plan_id"))
        .order_by(Item.created_at, Item.id)
    )


@functools.cache
def _rounds_statement():
    # The order of rounds.rounds(plan): the newest first (the later added first on one day).
    return (
        select(
            PriorityRound.id,
            PriorityRound.title,
            PriorityRound.opens_on,
            PriorityRound.closes_on,
            PriorityRound.closed_at,
            PriorityRound.result,
        )
        .where(PriorityRound.masterplan_id == bindparam("plan_id"))
        .order_by(PriorityRound.opens_on.desc(), PriorityRound.id.desc())
    )


def _round_lines(plan_id: int) -> list[RoundLine]:
    return [RoundLine(*row) for row in db.session.execute(_rounds_statement(), {"plan_id": plan_id})]


@functools.cache
def _projects_statement():
    # The order of projects.projects(plan): by start, projects without one last.
    return (
        select(Project.id, Project.title, Project.status, Project.theme_id)
        .where(Project.masterplan_id == bindparam("plan_id"))
        .order_by(Project.starts_on.is_(None), Project.starts_on, Project.id)
    )


def plan_page(plan) -> PlanPage:
    """The page of ``plan`` (a ``Masterplan`` or anything with its ``id``)."""
    all_rounds = _round_lines(plan.id)
    closed = rounds.latest_closed_of(all_rounds)
    rows = {theme.id: ThemeRow(theme) for theme in rounds.ranked(_themes(), closed)}
    items = db.session.execute(_items_statement(), {"plan_id": plan.id})
    for item_id, text, theme_id, kind in items:
        row = rows.get(theme_id)  # an inactive theme's items are not on the page
        if row is not None and kind == ItemKind.WISH:
            row.wishes.append(ItemLine(item_id, text))
        elif row is not None and kind == ItemKind.CHALLENGE:
            row.challenges.append(ItemLine(item_id, text))
    projects = db.session.execute(_projects_statement(), {"plan_id": plan.id})
    for project_id, title, status, theme_id in projects:
        if theme_id in rows:
            rows[theme_id].projects.append(ProjectLine(project_id, title, status))
    plan_goals = []
    for goal in goals.goal_lines(plan):
        if goal.theme_id is None:
            plan_goals.append(goal)
        elif goal.theme_id in rows:
            rows[goal.theme_id].goals.append(goal)
    return PlanPage(list(rows.values()), plan_goals, all_rounds, closed)
