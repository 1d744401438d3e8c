"""How the mkb-toets plugin shows up in the platform: navigation, dashboard, periodic jobs."""

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import DashboardCard, NavItem, hookimpl
from plugins.mkb_toets.jobs import periodic_jobs  # noqa: F401 - a hook implementation
from plugins.mkb_toets.privacy import contact_removed  # noqa: F401 - a hook implementation


@hookimpl
def nav_items(tenant, user):
    return [NavItem(_l("MKB-toets"), "mkb_toets.index", order=40)]


@hookimpl
def dashboard_cards(tenant, user):
    return [DashboardCard(_l("MKB-toets"), "mkb_toets/_card.html", order=40, plugin="mkb-toets")]


@hookimpl
def demo_data(tenant):
    from plugins.mkb_toets.demo import load_demo_dossiers

    return load_demo_dossiers(tenant)
