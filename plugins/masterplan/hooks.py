"""How the masterplans plugin shows up in the platform: navigation and dashboard."""

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import DashboardCard, NavItem, hookimpl


@hookimpl
def nav_items(tenant, user):
    return [NavItem(_l("Masterplans"), "masterplan.index", order=50)]


@hookimpl
def dashboard_cards(tenant, user):
    return [DashboardCard(_l("Masterplans"), "masterplan/_card.html", order=50, plugin="masterplan")]


# The privacy hooks live with the rules they follow; importing them registers them.
from plugins.masterplan.followup import followup_offers  # noqa: E402, F401
from plugins.masterplan.privacy import company_removed, contact_removed, member_erase, member_export  # noqa: E402, F401
