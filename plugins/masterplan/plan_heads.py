"""Plans as plain values, read with the name of their circle or business park in the same
statement: one plan's head (what its page shows above the themes) and every plan for the
list. Both are kept per process until the next write (``remember``): a warm plan page or
list reads no plan at all, and a plan not found (another tenant's id too) is a 404 as before.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from kringwerk.plugin_api import BusinessPark, Circle, db, remember
from plugins.masterplan.models import Masterplan, PlanStatus, Scope
from plugins.masterplan.plans import scope_text


@dataclass(frozen=True)
class PlanHead:
    id: int
    title: str
    scope: Scope
    status: PlanStatus
    owners: str | None
    ambition: str | None
    business_park_id: int | None
    circle_name: str | None  # None: no circle (or a removed one)
    park_name: str | None

    @property
    def scope_label(self) -> str:
        """What the plan is for, in the page's language (``plans.scope_label``)."""
        return scope_text(self.scope, self.circle_name, self.park_name)


def _select():
    # The circle and the park are plain ids (no foreign key): outer joins, each joined
    # table limited to the tenant in scope like the plan itself.
    return (
        select(
            Masterplan.id,
            Masterplan.title,
            Masterplan.scope,
            Masterplan.status,
            Masterplan.owners,
            Masterplan.ambition,
            Masterplan.business_park_id,
            Circle.name,
            BusinessPark.name,
        )
        .outerjoin(Circle, (Masterplan.scope == Scope.CIRCLE) & (Circle.id == Masterplan.circle_id))
        .outerjoin(
            BusinessPark, (Masterplan.scope == Scope.PARK) & (BusinessPark.id == Masterplan.business_park_id)
        )
    )


@functools.cache
def _head_statement():
    # Built once per process with a bound id; the tenant scope is added when it runs.
    return _select().where(Masterplan.id == bindparam("plan_id"))


@functools.cache
def _list_statement():
    return _select().order_by(Masterplan.title, Masterplan.id)


def read_head(plan_id: int) -> PlanHead | None:
    row = db.session.execute(_head_statement(), {"plan_id": plan_id}).first()
    return PlanHead(*row) if row is not None else None


def plan_head(plan_id: int) -> PlanHead | None:
    """The plan's head, kept until the next write; None when the tenant has no such plan
    (not kept: asked again, it is read again)."""
    return remember(("masterplan.plan-head", plan_id), lambda: read_head(plan_id))


def plan_heads() -> list[PlanHead]:
    """Every plan of the tenant, by title (the list's order), in one statement."""
    return [PlanHead(*row) for row in db.session.execute(_list_statement())]
