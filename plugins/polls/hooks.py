"""How the polls plugin shows up in the platform: navigation, dashboard, and
the hooks implemented in the plugin's other modules (imported here so pluggy
finds them on this module)."""

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from kringwerk.plugin_api import DashboardCard, NavItem, hookimpl
from plugins.polls.followups import attendance_followups  # noqa: F401
from plugins.polls.interest import theme_interest  # noqa: F401
from plugins.polls.jobs import periodic_jobs  # noqa: F401
from plugins.polls.matches import theme_activity  # noqa: F401
from plugins.polls.privacy import (  # noqa: F401
    company_removed,
    contact_export,
    contact_removed,
    member_erase,
    member_export,
)
from plugins.polls.services import open_poll_count
from plugins.polls.waiting import waiting_for  # noqa: F401


@hookimpl
def nav_items(tenant, user):
    return [NavItem(_l("Polls"), "polls.index", order=20)]


@hookimpl
def dashboard_cards(tenant, user):
    return [
        DashboardCard(
            _l("Polls"), "polls/_card.html", {"open_poll_count": open_poll_count()}, order=20, plugin="polls"
        )
    ]


@hookimpl
def demo_data(tenant):
    from plugins.polls.demo import load_demo_polls

    return load_demo_polls(tenant)


@hookimpl
def open_work(tenant):
    count = open_poll_count()
    if not count:
        return []
    return [
        ngettext(
            "%(num)d poll is open: while polls are disabled nobody can answer it and no reminders go out.",
            "%(num)d polls are open: while polls are disabled nobody can answer them and no reminders go out.",
            count,
        )
    ]


@hookimpl
def usage_figures(tenant_ids):
    """How many polls each asked tenant holds, for the operator console (one grouped count)."""
    from sqlalchemy import func, select

    from kringwerk.plugin_api import UsageFigure, db
    from plugins.polls.models import Poll

    counts = dict(
        db.session.execute(
            select(Poll.tenant_id, func.count(Poll.id))
            .where(Poll.tenant_id.in_(tenant_ids))
            .group_by(Poll.tenant_id)
        ).all()
    )
    return [
        UsageFigure(tenant_id, "polls.polls", _l("Polls"), counts.get(tenant_id, 0))
        for tenant_id in tenant_ids
    ]
