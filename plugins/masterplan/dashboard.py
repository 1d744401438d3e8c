"""The board's dashboard of the masterplans: wishes and challenges per theme, projects by
status, and goals on and off track, for every plan in use or one plan.

Everything is counted in SQL with a fixed number of statements, however many plans,
items, projects, goals or measurements there are: one grouped count of the items, one of
the projects, and one row per goal carrying its first and latest measurement (the
classification needs date arithmetic that SQLite and PostgreSQL spell differently, so it
runs on those rows with ``goals.keeps_pace``, the rule the goal page uses).

On track: the latest measurement lies on or beyond the straight line from the baseline at
the first measurement to the target at the deadline, judged on the date of that
measurement. A goal without measurements is "not measured yet", neither on nor off track.

The same queries, grouped by tenant, give a regional network its members' figures
(``figures.network_figures``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from kringwerk.plugin_api import NetworkFigure, Theme, db
from plugins.masterplan.goals import keeps_pace, measured_columns
from plugins.masterplan.models import (
    Goal,
    Item,
    ItemKind,
    Masterplan,
    PlanStatus,
    Project,
    ProjectStatus,
)

ON_TRACK, OFF_TRACK, UNMEASURED = "on_track", "off_track", "unmeasured"
GOAL_STATES = (ON_TRACK, OFF_TRACK, UNMEASURED)
GOAL_LABELS = {
    ON_TRACK: _l("On track"),
    OFF_TRACK: _l("Off track"),
    UNMEASURED: _l("Not measured yet"),
}
LISTED_GOALS = 50  # off-track goals named on the page; the count covers them all


@dataclass(frozen=True)
class GoalRow:
    id: int
    tenant_id: int
    masterplan_id: int
    title: str
    state: str  # ON_TRACK, OFF_TRACK or UNMEASURED


@dataclass
class PlanFigures:
    """One plan's counts (or, with ``plan`` None, every plan's together)."""

    wishes: int = 0
    challenges: int = 0
    projects: dict[ProjectStatus, int] = field(default_factory=lambda: dict.fromkeys(ProjectStatus, 0))
    goals: dict[str, int] = field(default_factory=lambda: dict.fromkeys((ON_TRACK, OFF_TRACK, UNMEASURED), 0))

    @property
    def project_count(self) -> int:
        return sum(self.projects.values())

    @property
    def goal_count(self) -> int:
        return sum(self.goals.values())


@dataclass
class Dashboard:
    plans: list[tuple[int, str]]  # (id, title) of the plans counted, by title
    themes: list[tuple[Theme, int, int]]  # (theme, wishes, challenges), the taxonomy's order
    total: PlanFigures
    per_plan: dict[int, PlanFigures]
    off_track: list[GoalRow]  # the first LISTED_GOALS, soonest deadline first


def live_plans():
    """The plans in use: everything but archived ones."""
    return select(Masterplan.id).where(Masterplan.status != PlanStatus.ARCHIVED)


def item_counts(plan_ids, *, by_tenant: bool = False):
    """Rows (tenant or plan id, theme id, theme key, kind, count): one grouped statement."""
    owner = Item.tenant_id if by_tenant else Item.masterplan_id
    return db.session.execute(
        select(owner, Item.theme_id, Theme.key, Item.kind, func.count(Item.id))
        .join(Theme, and_(Theme.id == Item.theme_id, Theme.tenant_id == Item.tenant_id))
        .where(Item.masterplan_id.in_(plan_ids))
        .group_by(owner, Item.theme_id, Theme.key, Item.kind)
    ).all()


def project_counts(plan_ids, *, by_tenant: bool = False):
    """Rows (tenant or plan id, status, count): one grouped statement."""
    owner = Project.tenant_id if by_tenant else Project.masterplan_id
    return db.session.execute(
        select(owner, Project.status, func.count(Project.id))
        .where(Project.masterplan_id.in_(plan_ids))
        .group_by(owner, Project.status)
    ).all()


def goal_rows(plan_ids) -> list[GoalRow]:
    """Every goal of the plans with its state: one statement (see the module docstring)."""
    first_on, latest_on, latest_value = measured_columns()
    rows = db.session.execute(
        select(
            Goal.id,
            Goal.tenant_id,
            Goal.masterplan_id,
            Goal.title,
            Goal.baseline,
            Goal.target,
            Goal.deadline,
            first_on,
            latest_on,
            latest_value,
        )
        .where(Goal.masterplan_id.in_(plan_ids))
        .order_by(Goal.deadline, Goal.id)
    ).all()
    return [GoalRow(row[0], row[1], row[2], row[3], goal_state(*row[4:])) for row in rows]


def _date(value) -> date | None:
    # SQLite hands back a scalar subquery's date as text.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def goal_state(baseline, target, deadline, first_on, latest_on, latest_value) -> str:
    first_on, latest_on, deadline = _date(first_on), _date(latest_on), _date(deadline)
    if latest_on is None or latest_value is None:
        return UNMEASURED
    on_track = keeps_pace(
        Decimal(str(baseline)),
        Decimal(str(target)),
        deadline,
        first_on,
        latest_on,
        Decimal(str(latest_value)),
    )
    return ON_TRACK if on_track else OFF_TRACK


def dashboard(themes: list[Theme], plan: Masterplan | None = None) -> Dashboard:
    """The figures of ``plan``, or of every plan in use; ``themes`` are the tenant's active
    themes in order (``plans.themes()``). Four statements, whatever the numbers."""
    plans_query = (
        select(Masterplan.id, Masterplan.title).where(Masterplan.id == plan.id)
        if plan is not None
        else select(Masterplan.id, Masterplan.title)
        .where(Masterplan.status != PlanStatus.ARCHIVED)
        .order_by(Masterplan.title, Masterplan.id)
    )
    plans = [(row[0], row[1]) for row in db.session.execute(plans_query)]
    chosen = [plan.id] if plan is not None else live_plans()
    total = PlanFigures()
    per_plan = {plan_id: PlanFigures() for plan_id, _title in plans}
    per_theme: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for plan_id, theme_id, _key, kind, count in item_counts(chosen):
        column = 0 if kind == ItemKind.WISH else 1
        per_theme[theme_id][column] += count
        for figures in (total, per_plan.get(plan_id)):
            if figures is not None:
                if column == 0:
                    figures.wishes += count
                else:
                    figures.challenges += count
    for plan_id, status, count in project_counts(chosen):
        for figures in (total, per_plan.get(plan_id)):
            if figures is not None:
                figures.projects[ProjectStatus(status)] += count
    goals = goal_rows(chosen)
    for goal in goals:
        for figures in (total, per_plan.get(goal.masterplan_id)):
            if figures is not None:
                figures.goals[goal.state] += 1
    return Dashboard(
        plans=plans,
        themes=[(theme, *per_theme.get(theme.id, (0, 0))) for theme in themes],
        total=total,
        per_plan=per_plan,
        off_track=[goal for goal in goals if goal.state == OFF_TRACK][:LISTED_GOALS],
    )


# --- a regional network: the same figures per member association ---------------------------


def member_figures(tenant_ids: list[int]) -> list[NetworkFigure]:
    """The dashboard's figures per member association, as ``NetworkFigure``s (numbers only):
    wishes and challenges (in all and per theme key, where any), projects per status, goals on
    and off track and not measured yet; the earlier keys (``masterplan.goals``,
    ``goals_on_track``, ``projects_running``) stay. Three statements for any number of
    members; the core's ``network_figures`` runs this inside its named crossing."""
    tenant_ids = list(tenant_ids)
    if not tenant_ids:
        return []
    live = live_plans().where(Masterplan.tenant_id.in_(tenant_ids))
    counts: dict[int, dict[str, int]] = {tenant_id: defaultdict(int) for tenant_id in tenant_ids}
    labels: dict[str, object] = {}
    for tenant_id, _theme_id, key, kind, count in item_counts(live, by_tenant=True):
        if tenant_id not in counts:
            continue
        noun = "wishes" if kind == ItemKind.WISH else "challenges"
        counts[tenant_id][f"masterplan.{noun}"] += count
        counts[tenant_id][f"masterplan.{noun}.theme.{key}"] += count
        labels[f"masterplan.{noun}.theme.{key}"] = (
            _l("Wishes on theme %(key)s", key=key)
            if noun == "wishes"
            else _l("Challenges on theme %(key)s", key=key)
        )
    for tenant_id, status, count in project_counts(live, by_tenant=True):
        if tenant_id in counts:
            counts[tenant_id][f"masterplan.projects.{ProjectStatus(status).value}"] += count
    for goal in goal_rows(live):
        if goal.tenant_id in counts:
            counts[goal.tenant_id][f"masterplan.goals.{goal.state}"] += 1
    figures = []
    for tenant_id in tenant_ids:
        found = counts[tenant_id]
        fixed = [
            (
                "masterplan.goals",
                _l("Goals in masterplans"),
                sum(found[f"masterplan.goals.{s}"] for s in GOAL_STATES),
            ),
            ("masterplan.goals_on_track", _l("Goals on track"), found[f"masterplan.goals.{ON_TRACK}"]),
            ("masterplan.projects_running", _l("Projects running"), found["masterplan.projects.running"]),
            ("masterplan.wishes", _l("Wishes"), found["masterplan.wishes"]),
            ("masterplan.challenges", _l("Challenges"), found["masterplan.challenges"]),
        ]
        fixed += [
            (f"masterplan.goals.{state}", GOAL_LABELS[state], found[f"masterplan.goals.{state}"])
            for state in GOAL_STATES
        ]
        fixed += [
            (
                f"masterplan.projects.{status.value}",
                status.label,
                found[f"masterplan.projects.{status.value}"],
            )
            for status in ProjectStatus
        ]
        figures += [NetworkFigure(tenant_id, key, label, int(value)) for key, label, value in fixed]
        figures += [
            NetworkFigure(tenant_id, key, labels[key], int(value))
            for key, value in sorted(found.items())
            if ".theme." in key and value
        ]
    return figures
