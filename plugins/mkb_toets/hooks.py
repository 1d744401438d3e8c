"""How the mkb-toets plugin shows up in the platform: navigation, dashboard, periodic jobs."""

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import DashboardCard, NavItem, PublicLink, hookimpl
from plugins.mkb_toets.jobs import periodic_jobs  # noqa: F401 - a hook implementation
from plugins.mkb_toets.privacy import contact_export, contact_removed, member_export  # noqa: F401 - hook implementations


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


@hookimpl
def public_links(tenant):
    """Each published dossier (the five newest) on the tenant's home for visitors."""
    from sqlalchemy import select

    from kringwerk.plugin_api import db
    from plugins.mkb_toets.models import Dossier, Phase

    published = db.session.scalars(
        select(Dossier).where(Dossier.phase == Phase.PUBLISHED).order_by(Dossier.updated_at.desc()).limit(5)
    )
    return [
        PublicLink(
            _l("MKB-toets: %(title)s", title=dossier.title),
            "mkb_toets.published",
            _l("Draft policy judged by the SME panel, with the advice and the municipality's answer."),
            values={"dossier_id": dossier.id},
            order=40,
        )
        for dossier in published
    ]


@hookimpl
def usage_figures(tenant_ids):
    """How many dossiers each asked tenant holds, for the operator console (one grouped count)."""
    from sqlalchemy import func, select

    from kringwerk.plugin_api import UsageFigure, db
    from plugins.mkb_toets.models import Dossier

    counts = dict(
        db.session.execute(
            select(Dossier.tenant_id, func.count(Dossier.id))
            .where(Dossier.tenant_id.in_(tenant_ids))
            .group_by(Dossier.tenant_id)
        ).all()
    )
    return [
        UsageFigure(tenant_id, "mkb-toets.dossiers", _l("Dossiers"), counts.get(tenant_id, 0))
        for tenant_id in tenant_ids
    ]
