"""Priority rounds: within a period each member spreads points over the themes,
never more than the round allows; the totals order the themes, and the result is
kept with the round when it closes (so a later change of themes or members does
not rewrite what was decided).

A round may start from a closed poll's theme interest (``seeding``): that starting
order stands until points are given and breaks ties between equal totals.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from kringwerk.plugin_api import Theme, current_tenant, db, record, utcnow
from plugins.masterplan import changes, seeding
from plugins.masterplan.changes import Invalid
from plugins.masterplan.models import Allocation, Masterplan, PriorityRound
from plugins.masterplan.plans import themes as active_themes
from plugins.masterplan.values import as_date

MAX_POINTS = 10_000


def _date(value):
    try:
        return as_date(value)
    except ValueError:
        return None


def create_round(plan: Masterplan, values: dict, *, actor) -> PriorityRound:
    errors = {}
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = _l("Give the round a title.")
    opens_on, closes_on = _date(values.get("opens_on")), _date(values.get("closes_on"))
    if not isinstance(opens_on, date):
        errors["opens_on"] = _l("Give a start date.")
    if not isinstance(closes_on, date):
        errors["closes_on"] = _l("Give an end date.")
    elif isinstance(opens_on, date) and closes_on < opens_on:
        errors["closes_on"] = _l("The round cannot close before it opens.")
    points = values.get("points_per_member")
    if isinstance(points, str) and points.strip().isdigit():
        points = int(points.strip())
    if not isinstance(points, int) or not 1 <= points <= MAX_POINTS:
        errors["points_per_member"] = _l("Give a number of points between 1 and %(max)s.", max=MAX_POINTS)
    seed = None
    try:
        seed = seeding.resolve(
            current_tenant(), values.get("seed_source"), [theme.id for theme in active_themes()]
        )
    except Invalid as refused:
        errors.update(refused.errors)
    if errors:
        raise Invalid(errors)
    row = PriorityRound(
        masterplan_id=plan.id,
        title=title[:200],
        opens_on=opens_on,
        closes_on=closes_on,
        points_per_member=points,
        seed=seed,
    )
    db.session.add(row)
    db.session.flush()
    logged = {"title": row.title, "opens_on": opens_on, "closes_on": closes_on, "points_per_member": points}
    if seed is not None:
        logged["seeded_from"] = seed["label"]
    changes.log(plan.id, actor, "round", row.id, "created", logged)
    details = {"seeded_from": seed["label"], "respondents": seed["respondents"]} if seed else {}
    record("masterplan.round_created", actor=actor, target=row, target_label=row.title, details=details)
    db.session.flush()
    return row


def is_open(row: PriorityRound, today: date) -> bool:
    return row.closed_at is None and row.opens_on <= today <= row.closes_on


def allocate(row: PriorityRound, user, points: dict, *, today: date) -> dict[int, int]:
    """Replace the member's points in the round with ``points`` ({theme id: points}).

    Refused, changing nothing, when the round is not open, a value is not a whole
    number of at least 0, a theme is unknown, or the total exceeds the round's points.
    """
    if not is_open(row, today):
        raise Invalid({"": _l("This round is not open.")})
    known = {theme.id for theme in active_themes()}
    cleaned, errors = {}, {}
    for key, value in points.items():
        try:
            theme_id = int(key)
        except (TypeError, ValueError):
            errors[""] = _l("Unknown theme.")
            continue
        if theme_id not in known:
            errors[""] = _l("Unknown theme.")
            continue
        if value in (None, ""):
            continue
        try:
            number = int(str(value).strip())
        except ValueError:
            errors[f"theme_{theme_id}"] = _l("Give a whole number.")
            continue
        if number < 0:
            errors[f"theme_{theme_id}"] = _l("Give a whole number.")
        elif number:
            cleaned[theme_id] = number
    total = sum(cleaned.values())
    if total > row.points_per_member:
        errors[""] = _l(
            "You gave %(total)s points; this round allows %(max)s. Take some away and save again.",
            total=total,
            max=row.points_per_member,
        )
    if errors:
        raise Invalid(errors)
    db.session.execute(delete(Allocation).where(Allocation.round_id == row.id, Allocation.user_id == user.id))
    db.session.add_all(
        Allocation(round_id=row.id, user_id=user.id, theme_id=theme_id, points=number)
        for theme_id, number in cleaned.items()
    )
    db.session.flush()
    return cleaned


def my_points(row: PriorityRound, user) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Allocation.theme_id, Allocation.points).where(
                Allocation.round_id == row.id, Allocation.user_id == user.id
            )
        ).all()
    )


def tally(row: PriorityRound) -> list[dict]:
    """Themes by total points, most first; ties go by the starting order of a seeded round,
    then the taxonomy's order. Without any points a seeded round keeps its starting order."""
    totals = dict(
        db.session.execute(
            select(Allocation.theme_id, func.sum(Allocation.points))
            .where(Allocation.round_id == row.id)
            .group_by(Allocation.theme_id)
        ).all()
    )
    voters = db.session.scalar(
        select(func.count(func.distinct(Allocation.user_id))).where(Allocation.round_id == row.id)
    )
    seeded = seeding.seed_counts(row.seed)
    ordered = sorted(
        active_themes(),
        key=lambda theme: (-int(totals.get(theme.id, 0)), -seeded.get(theme.id, 0), theme.position, theme.id),
    )
    return [
        {"theme_id": theme.id, "points": int(totals.get(theme.id, 0)), "voters": voters} for theme in ordered
    ]


def close_round(row: PriorityRound, *, actor) -> list[dict]:
    """Keep the result with the round; closing twice keeps the first result."""
    if row.closed_at is not None:
        return row.result or []
    row.result = [{"theme_id": entry["theme_id"], "points": entry["points"]} for entry in tally(row)]
    row.closed_at = utcnow()
    changes.log(row.masterplan_id, actor, "round", row.id, "closed", {"result": row.result})
    db.session.flush()
    return row.result


def latest_closed(plan: Masterplan) -> PriorityRound | None:
    return db.session.scalar(
        select(PriorityRound)
        .where(PriorityRound.masterplan_id == plan.id, PriorityRound.closed_at.is_not(None))
        .order_by(PriorityRound.closed_at.desc(), PriorityRound.id.desc())
        .limit(1)
    )


def latest_closed_of(plan_rounds: list[PriorityRound]) -> PriorityRound | None:
    """``latest_closed`` among rounds already loaded (``rounds(plan)``): no statement."""
    closed = [row for row in plan_rounds if row.closed_at is not None]
    return max(closed, key=lambda row: (row.closed_at, row.id), default=None)


def theme_order(plan: Masterplan) -> list[Theme]:
    """The plan's themes in priority order: the latest closed round's result, then the rest by position."""
    return ranked(active_themes(), latest_closed(plan))


def ranked(themes: list, closed: PriorityRound | None) -> list:
    """``themes`` (in position order; anything with an ``id`` and a ``position``) in the order
    of the closed round ``closed``, if any."""
    if closed is None or not isinstance(closed.result, list):
        return themes
    rank = {
        entry.get("theme_id"): index for index, entry in enumerate(closed.result) if isinstance(entry, dict)
    }
    return sorted(themes, key=lambda theme: (rank.get(theme.id, len(rank)), theme.position, theme.id))


def rounds(plan: Masterplan) -> list[PriorityRound]:
    return list(
        db.session.scalars(
            select(PriorityRound)
            .where(PriorityRound.masterplan_id == plan.id)
            .order_by(PriorityRound.opens_on.desc())
        )
    )
