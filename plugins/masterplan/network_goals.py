"""A regional network's own goals that its member associations' goals roll up into.

An association declares that one of its goals counts toward a goal of a network it is an
active member of, in the same unit (``GoalContribution``, in the association's tenant).
The network's goal page shows its own measurements plus, per active member association,
the sum of the latest values of its goals that count toward it, and the total: read
through the core's ``network_figures`` crossing (``rollup_figures`` answers it), so an
association that left, or that switched the plugin off, drops out, and no row of an
association crosses, only numbers.

Offering the networks' goals to an association reads the networks' goals in one named
crossing and returns plain values (title, unit, deadline), what its board may see anyway.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from kringwerk.plugin_api import (
    NetworkFigure,
    db,
    is_enabled,
    member_networks,
    network_figures,
    record,
    unscoped,
)
from plugins.masterplan import changes, contributions
from plugins.masterplan.changes import Invalid
from plugins.masterplan.models import Goal, GoalContribution, Masterplan, Measurement, PlanStatus

MAX_ID = 2**31 - 1
PREFIX = "masterplan.network_goal."


def same_unit(one: str, other: str) -> bool:
    """Units match regardless of case and spacing ("Business cases" = "business  cases")."""
    return " ".join((one or "").split()).casefold() == " ".join((other or "").split()).casefold()


@dataclass(frozen=True)
class NetworkGoal:
    """A goal of a network, as an association's board sees it when choosing (plain values)."""

    network_id: int
    network_name: str
    goal_id: int
    title: str
    unit: str
    deadline: date


def offered(tenant) -> list[NetworkGoal]:
    """The goals (of live plans) of the networks ``tenant`` is an active member of, where
    the network uses masterplans."""
    networks = {n.id: n for n in member_networks(tenant) if is_enabled(n, "masterplan")}
    if not networks:
        return []
    query = (
        select(Goal.tenant_id, Goal.id, Goal.title, Goal.unit, Goal.deadline)
        .join(Masterplan, and_(Masterplan.id == Goal.masterplan_id, Masterplan.tenant_id == Goal.tenant_id))
        .where(Goal.tenant_id.in_(list(networks)), Masterplan.status != PlanStatus.ARCHIVED)
        .order_by(Goal.tenant_id, Goal.deadline, Goal.title, Goal.id)
    )
    with unscoped(f"masterplan: goals of {tenant.slug}'s networks that its goals may count toward"):
        rows = db.session.execute(query).all()
    return [
        NetworkGoal(row.tenant_id, networks[row.tenant_id].name, row.id, row.title, row.unit, row.deadline)
        for row in rows
    ]


def choices(tenant, goal: Goal) -> list[NetworkGoal]:
    """The networks' goals ``goal`` does not count toward yet."""
    taken = set(
        db.session.scalars(
            select(GoalContribution.network_goal_id).where(GoalContribution.goal_id == goal.id)
        )
    )
    return [offer for offer in offered(tenant) if offer.goal_id not in taken]


def _label(goal: NetworkGoal) -> str:
    return f"{goal.title} ({goal.network_name})"


def declare(tenant, goal: Goal, network_goal_id, *, actor) -> GoalContribution:
    """Let ``goal`` count toward a network's goal; Invalid with a message otherwise."""
    text = str(network_goal_id if network_goal_id is not None else "").strip()
    wanted = int(text) if text.isdigit() and 0 < int(text) <= MAX_ID else None
    target = next((g for g in offered(tenant) if g.goal_id == wanted), None)
    if target is None:
        raise Invalid(
            {"network_goal_id": _l("Choose a goal of a regional network this association is a member of.")}
        )
    if not same_unit(goal.unit, target.unit):
        raise Invalid(
            {
                "network_goal_id": _l(
                    "This goal is measured in “%(unit)s” and the network's goal in “%(network_unit)s”: "
                    "only goals in the same unit add up.",
                    unit=goal.unit,
                    network_unit=target.unit,
                )
            }
        )
    exists = db.session.scalar(
        select(GoalContribution.id).where(
            GoalContribution.goal_id == goal.id, GoalContribution.network_goal_id == target.goal_id
        )
    )
    if exists is not None:
        raise Invalid({"network_goal_id": _l("This goal already counts toward that network goal.")})
    row = GoalContribution(
        goal_id=goal.id,
        network_tenant_id=target.network_id,
        network_goal_id=target.goal_id,
        network_goal_title=target.title[:200],
        declared_by_id=getattr(actor, "id", None),
    )
    contributions.add_once(row, {"network_goal_id": _l("This goal already counts toward that network goal.")})
    changes.log(
        goal.masterplan_id, actor, "goal", goal.id, "updated", {"network goal": [None, _label(target)]}
    )
    record(
        "masterplan.goal_contribution_declared",
        actor=actor,
        target=goal,
        target_label=goal.title,
        details={
            "network": target.network_name,
            "network_goal_id": target.goal_id,
            "network_goal": target.title,
        },
    )
    db.session.flush()
    return row


def withdraw(row: GoalContribution, *, actor) -> None:
    goal = db.session.get(Goal, row.goal_id)
    title, network_goal_id = row.network_goal_title, row.network_goal_id
    db.session.delete(row)
    db.session.flush()
    changes.log(goal.masterplan_id, actor, "goal", goal.id, "updated", {"network goal": [title, None]})
    record(
        "masterplan.goal_contribution_withdrawn",
        actor=actor,
        target=goal,
        target_label=goal.title,
        details={"network_goal_id": network_goal_id, "network_goal": title},
    )
    db.session.flush()


@dataclass(frozen=True)
class Declared:
    """A goal's declared contribution, and whether it counts now."""

    id: int
    title: str  # the network goal's current title, or the one it had
    network_name: str | None
    state: str  # "counts", "unit" (units differ now), "gone" (the goal is no longer there), "left"

    @property
    def message(self):
        return {
            "counts": _l("Counts toward the network's goal."),
            "unit": _l("Does not count: the units differ now."),
            "gone": _l("Does not count: the network's goal is no longer there."),
            "left": _l("Does not count: this association is no longer an active member of that network."),
        }[self.state]


def declared(tenant, goal: Goal) -> list[Declared]:
    rows = list(
        db.session.scalars(
            select(GoalContribution).where(GoalContribution.goal_id == goal.id).order_by(GoalContribution.id)
        )
    )
    if not rows:
        return []
    goals = {g.goal_id: g for g in offered(tenant)}
    active = {n.id: n.name for n in member_networks(tenant)}
    shown = []
    for row in rows:
        current = goals.get(row.network_goal_id)
        if current is not None and current.network_id == row.network_tenant_id:
            state = "counts" if same_unit(goal.unit, current.unit) else "unit"
            shown.append(Declared(row.id, current.title, current.network_name, state))
        else:
            state = "gone" if row.network_tenant_id in active else "left"
            shown.append(Declared(row.id, row.network_goal_title, active.get(row.network_tenant_id), state))
    return shown


# --- the network's side: figures inside the core's crossing, and the roll-up page ----------


def rollup_figures(network, tenant_ids) -> list[NetworkFigure]:
    """Per member and network goal: how many of its goals count toward it, and the sum of
    their latest values. Runs inside ``network_figures``' named crossing; only goals of live
    plans in the same unit as the network's goal count."""
    tenant_ids = list(tenant_ids)
    targets = {
        row.id: row
        for row in db.session.execute(
            select(Goal.id, Goal.title, Goal.unit)
            .join(
                Masterplan, and_(Masterplan.id == Goal.masterplan_id, Masterplan.tenant_id == Goal.tenant_id)
            )
            .where(Goal.tenant_id == network.id, Masterplan.status != PlanStatus.ARCHIVED)
        )
    }
    if not targets or not tenant_ids:
        return []
    rows = db.session.execute(
        select(GoalContribution.tenant_id, GoalContribution.network_goal_id, Goal.id, Goal.unit)
        .join(Goal, and_(Goal.id == GoalContribution.goal_id, Goal.tenant_id == GoalContribution.tenant_id))
        .join(Masterplan, and_(Masterplan.id == Goal.masterplan_id, Masterplan.tenant_id == Goal.tenant_id))
        .where(
            GoalContribution.tenant_id.in_(tenant_ids),
            GoalContribution.network_tenant_id == network.id,
            GoalContribution.network_goal_id.in_(list(targets)),
            Masterplan.status != PlanStatus.ARCHIVED,
        )
    ).all()
    counting = [row for row in rows if same_unit(row.unit, targets[row.network_goal_id].unit)]
    latest = _latest_values([row.id for row in counting])
    goals: dict[tuple[int, int], int] = defaultdict(int)
    sums: dict[tuple[int, int], Decimal] = {}
    for row in counting:
        key = (row.tenant_id, row.network_goal_id)
        goals[key] += 1
        if row.id in latest:
            sums[key] = sums.get(key, Decimal(0)) + latest[row.id]
    figures = []
    for (tenant_id, goal_id), count in sorted(goals.items()):
        title = targets[goal_id].title
        figures.append(
            NetworkFigure(
                tenant_id,
                f"{PREFIX}{goal_id}.goals",
                _l("Goals counting toward “%(goal)s”", goal=title),
                count,
            )
        )
        if (tenant_id, goal_id) in sums:
            figures.append(
                NetworkFigure(
                    tenant_id,
                    f"{PREFIX}{goal_id}.latest",
                    _l("Latest values toward “%(goal)s”", goal=title),
                    sums[(tenant_id, goal_id)],
                )
            )
    return figures


def _latest_values(goal_ids: list[int]) -> dict[int, Decimal]:
    """Each goal's last measured value (the latest date; of one date, the last added)."""
    if not goal_ids:
        return {}
    ranked = (
        select(
            Measurement.goal_id,
            Measurement.value,
            func.row_number()
            .over(
                partition_by=Measurement.goal_id,
                order_by=(Measurement.measured_on.desc(), Measurement.id.desc()),
            )
            .label("rank"),
        )
        .where(Measurement.goal_id.in_(goal_ids))
        .subquery()
    )
    return dict(db.session.execute(select(ranked.c.goal_id, ranked.c.value).where(ranked.c.rank == 1)).all())


@dataclass(frozen=True)
class MemberValue:
    name: str
    goals: int  # its goals counting toward the network's
    latest: Decimal | None  # the sum of their latest values; None before any measurement


@dataclass(frozen=True)
class Rollup:
    members: list[MemberValue]
    total: Decimal | None  # the sum over the members that measured

    @property
    def reporting(self) -> int:
        return sum(1 for member in self.members if member.latest is not None)

    def of_target(self, goal: Goal) -> float | None:
        """The members' total as a share of the network goal's target (0 and up).

        The members' goals are contributions toward the network's goal, not the network's own
        measurement, so the network's baseline does not apply to them: 8 toward a target of
        100 is 8 %, even when the network itself started at 60."""
        if self.total is None or not goal.target:
            return None
        return max(0.0, float(self.total / goal.target))


def rollup(network, goal: Goal) -> Rollup | None:
    """The active member associations' latest values toward the network's ``goal``, as sums;
    None when ``network`` is not a regional network."""
    if getattr(network.kind, "value", network.kind) != "region":
        return None
    prefix = f"{PREFIX}{goal.id}."
    members = []
    for member in network_figures(network):
        values = {f.key[len(prefix) :]: f.value for f in member.figures if f.key.startswith(prefix)}
        if values.get("goals"):
            latest = values.get("latest")
            members.append(
                MemberValue(
                    member.name, int(values["goals"]), Decimal(str(latest)) if latest is not None else None
                )
            )
    measured = [m.latest for m in members if m.latest is not None]
    return Rollup(members, sum(measured, Decimal(0)) if measured else None)
