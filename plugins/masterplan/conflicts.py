"""What a refused stale save shows: the item as someone else saved it meanwhile,
and who saved it when (the latest entry of the plan's change log for that item).

A stale save is refused by ``changes.edit``; the edit views then put the newer
version beside the form, so nothing is overwritten without the person seeing it.
"""

from __future__ import annotations

from sqlalchemy import select

from kringwerk.plugin_api import db
from plugins.masterplan.models import PlanChange


def latest_change(plan_id: int, entity: str, entity_id: int) -> PlanChange | None:
    """The last logged change of one item of the plan, or None."""
    return db.session.scalar(
        select(PlanChange)
        .where(
            PlanChange.masterplan_id == plan_id,
            PlanChange.entity == entity,
            PlanChange.entity_id == entity_id,
        )
        .order_by(PlanChange.at.desc(), PlanChange.id.desc())
        .limit(1)
    )
