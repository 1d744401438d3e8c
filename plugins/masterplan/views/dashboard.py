"""The board's dashboard of the masterplans: wishes and challenges per theme, projects by
status, goals on and off track, for every plan in use or one chosen plan; in a regional
network also the same figures across its active member associations (aggregates through
the network scope)."""

from __future__ import annotations

from collections import defaultdict

from flask import abort, render_template

from kringwerk.plugin_api import MANAGERS, current_tenant, db, int_arg, network_figures, require_member
from plugins.masterplan import dashboard, plans
from plugins.masterplan.models import Masterplan, ProjectStatus
from plugins.masterplan.views import bp


def _network(themes):
    """Per member association its masterplan figures, their totals, and wishes and
    challenges per theme (matched by the theme's key to this network's own names)."""
    members = []
    totals: dict[str, int] = defaultdict(int)
    for member in network_figures(current_tenant()):
        found = {f.key: f.value for f in member.figures if f.key.startswith("masterplan.")}
        if not found:
            continue  # the plugin is not enabled there
        members.append((member, found))
        for key, value in found.items():
            totals[key] += int(value)
    names = {theme.key: theme.name for theme in themes}
    keys = sorted(
        {key.split(".theme.", 1)[1] for key in totals if ".theme." in key},
        key=lambda key: (key not in names, [t.key for t in themes].index(key) if key in names else 0, key),
    )
    per_theme = [
        (
            names.get(key, key),
            totals.get(f"masterplan.wishes.theme.{key}", 0),
            totals.get(f"masterplan.challenges.theme.{key}", 0),
        )
        for key in keys
    ]
    return {"members": members, "totals": totals, "per_theme": per_theme}


@bp.get("/dashboard")
@require_member(*MANAGERS)
def dashboard_page():
    plan_id = int_arg("plan")
    plan = None
    if plan_id is not None:
        plan = db.session.get(Masterplan, plan_id)
        if plan is None:
            abort(404)
    themes = plans.themes()
    figures = dashboard.dashboard(themes, plan)
    tenant = current_tenant()
    network = _network(themes) if tenant.kind == "region" else None
    return render_template(
        "masterplan/dashboard.html",
        plan=plan,
        figures=figures,
        statuses=list(ProjectStatus),
        goal_states=dashboard.GOAL_STATES,
        goal_labels=dashboard.GOAL_LABELS,
        network=network,
        all_plans=figures.plans if plan is None else None,
    )
