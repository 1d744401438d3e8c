"""How the masterplans plugin shows up in the platform: navigation, dashboard, demo
data; the privacy hooks and the polls' follow-up offers live with the rules they follow
(importing them here registers them)."""

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import DashboardCard, NavItem, hookimpl
from plugins.masterplan.figures import network_figures  # noqa: F401
from plugins.masterplan.followup import followup_offers  # noqa: F401
from plugins.masterplan.park_waiting import waiting_for  # noqa: F401
from plugins.masterplan.privacy import (  # noqa: F401
    company_removed,
    contact_export,
    contact_removed,
    member_erase,
    member_export,
)


@hookimpl
def nav_items(tenant, user):
    return [NavItem(_l("Masterplans"), "masterplan.index", order=50)]


@hookimpl
def dashboard_cards(tenant, user):
    return [DashboardCard(_l("Masterplans"), "masterplan/_card.html", order=50, plugin="masterplan")]


@hookimpl(trylast=True)  # after the events demo: a demo project links to a meeting on the calendar
def demo_data(tenant):
    from plugins.masterplan.demo import load_demo_plans
    from plugins.masterplan.park_demo import with_park_plan

    return with_park_plan(load_demo_plans(tenant), tenant)


@hookimpl
def usage_figures(tenant_ids):
    """How many masterplans each asked tenant holds, for the operator console (one grouped count)."""
    from sqlalchemy import func, select

    from kringwerk.plugin_api import UsageFigure, db
    from plugins.masterplan.models import Masterplan

    counts = dict(
        db.session.execute(
            select(Masterplan.tenant_id, func.count(Masterplan.id))
            .where(Masterplan.tenant_id.in_(tenant_ids))
            .group_by(Masterplan.tenant_id)
        ).all()
    )
    return [
        UsageFigure(tenant_id, "masterplan.plans", _l("Masterplans"), counts.get(tenant_id, 0))
        for tenant_id in tenant_ids
    ]
