"""How the polls plugin shows up in the platform: navigation, dashboard, and
the hooks implemented in the plugin's other modules (imported here so pluggy
finds them on this module)."""

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import DashboardCard, NavItem, hookimpl


@hookimpl
def nav_items(tenant, user):
    return [NavItem(_l("Polls"), "polls.index", order=20)]


@hookimpl
def dashboard_cards(tenant, user):
    return [DashboardCard(_l("Polls"), "polls/_card.html", order=20, plugin="polls")]
