"""How the events plugin shows up in the platform: navigation and dashboard."""

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import DashboardCard, NavItem, hookimpl


@hookimpl
def nav_items(tenant, user):
    return [NavItem(_l("Events"), "events.index", order=30)]


@hookimpl
def dashboard_cards(tenant, user):
    return [DashboardCard(_l("Events"), "events/_card.html", order=30, plugin="events")]
