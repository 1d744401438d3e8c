"""A plan's history: every change, newest first, with who made it and what changed."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from kringwerk.plugin_api import paginate, require_member
from plugins.masterplan.models import PlanChange
from plugins.masterplan.views import bp, plan_or_404


@bp.get("/<int:masterplan_id>/history")
@require_member()
def history(masterplan_id: int):
    plan = plan_or_404(masterplan_id)
    page = paginate(
        select(PlanChange)
        .where(PlanChange.masterplan_id == plan.id)
        .order_by(PlanChange.at.desc(), PlanChange.id.desc())
    )
    return render_template("masterplan/history.html", plan=plan, page=page)
