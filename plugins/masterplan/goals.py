"""Measured goals of a plan ("new business cases per year: baseline 60, target 100 by
2023") with their measurements over time, and how far each has come."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select

from kringwerk.plugin_api import db
from plugins.masterplan import changes
from plugins.masterplan.changes import Invalid
from plugins.masterplan.models import Goal, Masterplan, Measurement
from plugins.masterplan.plans import theme_or_invalid
from plugins.masterplan.values import as_amount, as_date


def clean(values: dict) -> dict:
    errors: dict = {}
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = _l("Describe the goal.")
    elif len(title) > 200:
        errors["title"] = _l("At most 200 characters.")
    unit = (values.get("unit") or "").strip()
    if not unit:
        errors["unit"] = _l("Give the unit the goal is measured in (e.g. business cases per year).")
    elif len(unit) > 60:
        errors["unit"] = _l("At most 60 characters.")
    numbers = {}
    for field in ("baseline", "target"):
        try:
            numbers[field] = as_amount(values.get(field))
        except ValueError:
            numbers[field] = None
            errors[field] = _l("Give a number.")
        else:
            if numbers[field] is None:
                errors[field] = _l("Give a number.")
    if not errors.get("baseline") and not errors.get("target") and numbers["baseline"] == numbers["target"]:
        errors["target"] = _l("The target must differ from the baseline.")
    try:
        deadline = as_date(values.get("deadline"))
    except ValueError:
        deadline = None
    if deadline is None:
        errors["deadline"] = _l("Give the date by which the target should be reached.")
    theme_id = None
    if values.get("theme_id"):
        try:
            theme_id = theme_or_invalid(values.get("theme_id")).id
        except Invalid as refused:
            errors.update(refused.errors)
    if errors:
        raise Invalid(errors)
    return {
        "title": title,
        "unit": unit,
        "baseline": numbers["baseline"],
        "target": numbers["target"],
        "deadline": deadline,
        "theme_id": theme_id,
    }


def create_goal(plan: Masterplan, values: dict, *, actor) -> Goal:
    cleaned = clean(values)
    goal = Goal(masterplan_id=plan.id, **cleaned)
    db.session.add(goal)
    db.session.flush()
    changes.log(plan.id, actor, "goal", goal.id, "created", cleaned)
    db.session.flush()
    return goal


def update_goal(goal: Goal, values: dict, *, expected_version, actor) -> dict:
    return changes.edit(
        goal,
        clean(values),
        expected_version=expected_version,
        plan_id=goal.masterplan_id,
        actor=actor,
        entity="goal",
    )


def add_measurement(goal: Goal, values: dict, *, actor) -> Measurement:
    errors = {}
    try:
        measured_on = as_date(values.get("measured_on"))
    except ValueError:
        measured_on = None
    if measured_on is None:
        errors["measured_on"] = _l("Give the date of the measurement.")
    try:
        value = as_amount(values.get("value"))
    except ValueError:
        value = None
    if value is None:
        errors["value"] = _l("Give a number.")
    if errors:
        raise Invalid(errors)
    note = (values.get("note") or "").strip()[:300] or None
    row = Measurement(goal_id=goal.id, measured_on=measured_on, value=value, note=note)
    goal.measurements.append(row)
    db.session.flush()
    changes.log(
        goal.masterplan_id,
        actor,
        "measurement",
        goal.id,
        "created",
        {"measured_on": measured_on, "value": value},
    )
    db.session.flush()
    return row


@dataclass(frozen=True)
class Progress:
    latest: Decimal | None  # the last measured value
    share: float  # 0..1 of the way from baseline to target (clamped)
    on_track: bool | None  # None without a measurement

    @property
    def percent(self) -> int:
        return round(self.share * 100)


def progress(goal: Goal, *, today: date | None = None) -> Progress:
    """How far the latest measurement is from baseline to target, and whether that keeps pace
    with the time elapsed since the first measurement (a straight line to the deadline)."""
    if not goal.measurements:
        return Progress(None, 0.0, None)
    latest = goal.measurements[-1]
    return progress_of(
        goal.baseline,
        goal.target,
        goal.deadline,
        goal.measurements[0].measured_on,
        latest.measured_on,
        latest.value,
    )


def progress_of(baseline, target, deadline, first_on, latest_on, latest) -> Progress:
    """``progress`` on plain values (the first and latest measurement read in SQL, see
    ``measured_columns``); no measurement (``latest`` None) is no progress."""
    if latest is None or latest_on is None:
        return Progress(None, 0.0, None)
    baseline, target, latest = Decimal(str(baseline)), Decimal(str(target)), Decimal(str(latest))
    first_on, latest_on, deadline = as_date(first_on), as_date(latest_on), as_date(deadline)
    on_track = keeps_pace(baseline, target, deadline, first_on, latest_on, latest)
    return Progress(latest, _share(baseline, target, latest), on_track)


def _share(baseline: Decimal, target: Decimal, value: Decimal) -> float:
    span = target - baseline
    share = float((value - baseline) / span) if span else 1.0
    return max(0.0, min(1.0, share))


def keeps_pace(
    baseline: Decimal, target: Decimal, deadline: date, first_on: date, latest_on: date, latest: Decimal
) -> bool:
    """On track: the latest value lies on or beyond the straight line from the baseline at the
    first measurement to the target at the deadline, on the date it was measured (the
    dashboard uses this on plain values read in SQL)."""
    total_days = (deadline - first_on).days
    expected = 1.0 if total_days <= 0 else max(0.0, min(1.0, (latest_on - first_on).days / total_days))
    return _share(baseline, target, latest) >= expected - 1e-9


def goals(plan: Masterplan) -> list[Goal]:
    return list(
        db.session.scalars(select(Goal).where(Goal.masterplan_id == plan.id).order_by(Goal.deadline, Goal.id))
    )


def measured_columns():
    """Per goal (correlated to ``Goal``): its first measurement's date, its latest one's date and
    value; the latest is the last by date, then by id, as ``Goal.measurements`` ends."""

    def measured(column):
        return (
            select(column)
            .where(Measurement.goal_id == Goal.id, Measurement.tenant_id == Goal.tenant_id)
            .correlate(Goal)
        )

    first_on = measured(func.min(Measurement.measured_on)).scalar_subquery()
    latest_on = measured(func.max(Measurement.measured_on)).scalar_subquery()
    latest_value = (
        measured(Measurement.value)
        .order_by(Measurement.measured_on.desc(), Measurement.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return first_on, latest_on, latest_value


@dataclass(frozen=True)
class GoalLine:
    """A goal as a plan's page lists it: plain values and its progress."""

    id: int
    theme_id: int | None
    title: str
    progress: Progress
    unit: str = ""  # for the plan's export: "60 → 100 cases"
    baseline: Decimal | None = None
    target: Decimal | None = None


@functools.cache
def _goal_lines_statement():
    # Built once per process with a bound plan id (three correlated subqueries cost more to
    # build than to run); it holds no data and the tenant scope is added when it runs.
    return (
        select(
            Goal.id,
            Goal.theme_id,
            Goal.title,
            Goal.baseline,
            Goal.target,
            Goal.deadline,
            *measured_columns(),
            Goal.unit,
        )
        .where(Goal.masterplan_id == bindparam("plan_id"))
        .order_by(Goal.deadline, Goal.id)
    )


def goal_lines(plan: Masterplan) -> list[GoalLine]:
    """The plan's goals with their progress, by deadline: one statement however many goals and
    measurements (``progress`` per goal would load each goal's measurements)."""
    rows = db.session.execute(_goal_lines_statement(), {"plan_id": plan.id})
    return [
        GoalLine(row[0], row[1], row[2], progress_of(*row[3:9]), row[9], _amount(row[3]), _amount(row[4]))
        for row in rows
    ]


def _amount(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))
