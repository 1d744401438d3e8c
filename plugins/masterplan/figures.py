"""What a regional network sees of its members' masterplans: per association, how many
goals it has, how many are on track, and how many projects run (aggregates only,
through the core's ``network_figures``, which calls this inside its named crossing;
an association that left the network is not asked)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kringwerk.plugin_api import NetworkFigure, db, hookimpl
from plugins.masterplan.goals import progress
from plugins.masterplan.models import Goal, Masterplan, PlanStatus, Project, ProjectStatus
from plugins.masterplan.network_goals import rollup_figures


@hookimpl
def network_figures(network, tenant_ids):
    tenant_ids = list(tenant_ids)
    live = select(Masterplan.id).where(Masterplan.status != PlanStatus.ARCHIVED)
    goals = db.session.scalars(
        select(Goal)
        .where(Goal.tenant_id.in_(tenant_ids), Goal.masterplan_id.in_(live))
        .options(selectinload(Goal.measurements))
    ).all()
    counted: dict[int, list[int]] = {}
    for goal in goals:
        totals = counted.setdefault(goal.tenant_id, [0, 0])
        totals[0] += 1
        totals[1] += 1 if progress(goal).on_track else 0
    running = dict(
        db.session.execute(
            select(Project.tenant_id, func.count(Project.id))
            .where(
                Project.tenant_id.in_(tenant_ids),
                Project.masterplan_id.in_(live),
                Project.status == ProjectStatus.RUNNING,
            )
            .group_by(Project.tenant_id)
        ).all()
    )
    figures = []
    for tenant_id in sorted(set(counted) | set(running)):
        total, on_track = counted.get(tenant_id, (0, 0))
        figures.append(NetworkFigure(tenant_id, "masterplan.goals", _l("Goals in masterplans"), total))
        figures.append(NetworkFigure(tenant_id, "masterplan.goals_on_track", _l("Goals on track"), on_track))
        figures.append(
            NetworkFigure(
                tenant_id,
                "masterplan.projects_running",
                _l("Projects running"),
                int(running.get(tenant_id, 0)),
            )
        )
    # The members' goals that count toward the network's own goals, as sums per goal.
    figures.extend(rollup_figures(network, tenant_ids))
    return figures
