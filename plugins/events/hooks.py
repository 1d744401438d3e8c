"""How the events plugin shows up in the platform: navigation, dashboard, and the hooks
implemented in the plugin's other modules (imported here so pluggy finds them)."""

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import DashboardCard, NavItem, hookimpl
from plugins.events.figures import network_figures  # noqa: F401
from plugins.events.followup import followup_offers  # noqa: F401
from plugins.events.jobs import periodic_jobs  # noqa: F401
from plugins.events.links import linkable_events  # noqa: F401
from plugins.events.paid import payment_settled  # noqa: F401
from plugins.events.privacy import contact_export, contact_removed, member_erase, member_export  # noqa: F401
from plugins.events.waiting import public_links, waiting_for  # noqa: F401


@hookimpl
def nav_items(tenant, user):
    return [NavItem(_l("Events"), "events.index", order=30)]


@hookimpl
def dashboard_cards(tenant, user):
    return [DashboardCard(_l("Events"), "events/_card.html", order=30, plugin="events")]


@hookimpl
def demo_data(tenant):
    from plugins.events.demo import load_demo_events

    return load_demo_events(tenant)


@hookimpl
def usage_figures(tenant_ids):
    """How many events each asked tenant holds, for the operator console (one grouped count)."""
    from sqlalchemy import func, select

    from kringwerk.plugin_api import UsageFigure, db
    from plugins.events.models import Event

    counts = dict(
        db.session.execute(
            select(Event.tenant_id, func.count(Event.id))
            .where(Event.tenant_id.in_(tenant_ids))
            .group_by(Event.tenant_id)
        ).all()
    )
    return [
        UsageFigure(tenant_id, "events.events", _l("Events"), counts.get(tenant_id, 0))
        for tenant_id in tenant_ids
    ]
