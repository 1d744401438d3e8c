"""The implementation view: the plan's projects by theme priority, with owners, dates,
budgets and funding, filtered by theme and status."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import render_template, request, url_for
from sqlalchemy import select

from kringwerk.plugin_api import Company, db, int_arg, require_member
from plugins.masterplan import projects, rounds, timeline
from plugins.masterplan.models import ProjectStatus
from plugins.masterplan.views import bp, plan_or_404


@bp.get("/<int:masterplan_id>/implementation")
@require_member()
def implementation(masterplan_id: int):
    plan = plan_or_404(masterplan_id)
    themes = rounds.theme_order(plan)
    rank = {theme.id: index for index, theme in enumerate(themes)}
    theme_id = int_arg("theme")
    status = request.args.get("status") or None
    status = ProjectStatus(status) if status in {s.value for s in ProjectStatus} else None
    rows = projects.projects(
        plan, theme_id=theme_id if theme_id in rank else None, status=status, with_milestones=True
    )
    rows.sort(key=lambda p: (rank.get(p.theme_id, len(rank)), p.starts_on is None, p.starts_on or 0, p.id))
    companies = {p.owner_company_id for p in rows if p.owner_company_id}
    owners = (
        dict(db.session.execute(select(Company.id, Company.name).where(Company.id.in_(companies))).all())
        if companies
        else {}
    )
    spans, unscheduled = timeline.scheduled(rows)
    chart = timeline.timeline(
        spans,
        today=datetime.now(ZoneInfo("Europe/Amsterdam")).date(),
        link=lambda p: url_for("masterplan.project", masterplan_id=plan.id, project_id=p.id),
    )
    return render_template(
        "masterplan/implementation.html",
        plan=plan,
        rows=rows,
        themes=themes,
        names={t.id: t.name for t in themes},
        owners=owners,
        chart=chart,
        unscheduled=unscheduled,
        statuses=list(ProjectStatus),
        chosen_theme=theme_id,
        chosen_status=status.value if status else "",
        total=sum((p.budget for p in rows if p.budget is not None), start=0),
    )
