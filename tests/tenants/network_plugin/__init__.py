"""A test-only plugin that uses the network scope the way events, the regional
agenda and goals will: a page the network opens to its member associations, a
card on the network home, and a figure per member association. It imports only
the facade, like a real plugin."""

from flask import Blueprint
from sqlalchemy import func, select

from kringwerk.plugin_api import (
    Company,
    DashboardCard,
    NetworkFigure,
    Plugin,
    current_tenant,
    db,
    hookimpl,
    require_member_or_network,
)

bp = Blueprint("regional", __name__, template_folder="templates")

LARGE = 50  # employees


@bp.get("/agenda")
@require_member_or_network()
def agenda():
    return f"Regional agenda of {current_tenant().name}"


@bp.get("/forgotten")
def forgotten():
    """A page that forgot its guard: the host keeps it to the network's own members."""
    return f"Forgotten page of {current_tenant().name}"


class Hooks:
    @hookimpl
    def network_cards(self, tenant, user):
        return [DashboardCard("Regional agenda", "regional/card.html", plugin="regional")]

    @hookimpl
    def network_figures(self, network, tenant_ids):
        counts = db.session.execute(
            select(Company.tenant_id, func.count(Company.id))
            .where(Company.tenant_id.in_(tenant_ids), Company.employees >= LARGE)
            .group_by(Company.tenant_id)
        ).all()
        figures = [
            NetworkFigure(tenant_id, "regional.large", "Large companies", n) for tenant_id, n in counts
        ]
        # What a careless plugin might hand back: a row, and a number for a tenant it was not
        # asked about. The core drops both.
        row = db.session.scalars(select(Company).where(Company.tenant_id.in_(tenant_ids)).limit(1)).first()
        return [*figures, row, NetworkFigure(network.id, "regional.own", "Not a member", 1)]


plugin = Plugin(key="regional", name="Regional (test)", blueprint=bp, hooks=Hooks())
