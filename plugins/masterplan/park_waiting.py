"""What the implementation plans per park put on the tenant home: the open steps a
person owns, soonest due first, so an owner sees what is theirs to move on."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import WaitingItem, db, hookimpl
from plugins.masterplan.models import ParkPlan, ParkStep, StepState

SHOWN = 5


@hookimpl
def waiting_for(tenant, user):
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    rows = db.session.execute(
        select(ParkStep, ParkPlan.park_name)
        .join(ParkPlan, ParkPlan.id == ParkStep.park_plan_id)
        .where(ParkStep.owner_id == user.id, ParkStep.state != StepState.DONE)
        .order_by(ParkStep.due_on.is_(None), ParkStep.due_on, ParkStep.id)
        .limit(SHOWN)
    ).all()
    zone = ZoneInfo(tenant.timezone or "Europe/Amsterdam")
    return [
        WaitingItem(
            title=f"{step.kind.label} · {park_name}",
            url=url_for("masterplan.park_plan", park_plan_id=step.park_plan_id),
            kind="masterplan-step",
            # the end of the due day where the tenant is
            due=datetime.combine(step.due_on, time(23, 59), tzinfo=zone) if step.due_on else None,
            detail=_l("A step of the implementation plan you own: %(state)s", state=step.state.label),
            plugin="masterplan",
        )
        for step, park_name in rows
    ]
