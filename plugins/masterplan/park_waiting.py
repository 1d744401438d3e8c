"""What the implementation plans per park put on the tenant home: the open steps a
person owns, soonest due first, so an owner sees what is theirs to move on."""

from __future__ import annotations

import functools
from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from kringwerk.plugin_api import WaitingItem, db, hookimpl
from plugins.masterplan.models import ParkPlan, ParkStep, StepState

SHOWN = 5


@functools.cache
def _waiting_statement():
    """SELECT of the open steps a person owns, soonest due first (no due date last): the
    step's plan, kind, state and due date with the park's name.

    Built once per process with a bound ``user_id`` and reused: building it anew on every
    tenant home cost more than running it. It holds no data; the tenant scope is added
    when it runs, as for every statement.
    """
    return (
        # Only the columns the home shows, not the step entity.
        select(ParkStep.park_plan_id, ParkStep.kind, ParkStep.state, ParkStep.due_on, ParkPlan.park_name)
        .select_from(ParkStep)
        .join(ParkPlan, ParkPlan.id == ParkStep.park_plan_id)
        .where(ParkStep.owner_id == bindparam("user_id"), ParkStep.state != StepState.DONE)
        .order_by(ParkStep.due_on.is_(None), ParkStep.due_on, ParkStep.id)
        .limit(SHOWN)
    )


@hookimpl
def waiting_for(tenant, user):
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    rows = db.session.execute(_waiting_statement(), {"user_id": user.id})
    zone = ZoneInfo(tenant.timezone or "Europe/Amsterdam")
    return [
        WaitingItem(
            title=f"{kind.label} · {park_name}",
            url=url_for("masterplan.park_plan", park_plan_id=park_plan_id),
            kind="masterplan-step",
            # the end of the due day where the tenant is
            due=datetime.combine(due_on, time(23, 59), tzinfo=zone) if due_on else None,
            detail=_l("A step of the implementation plan you own: %(state)s", state=state.label),
            plugin="masterplan",
        )
        for park_plan_id, kind, state, due_on, park_name in rows
    ]
