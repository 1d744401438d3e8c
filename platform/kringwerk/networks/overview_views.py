"""The network's overview of its member associations and the combined member directory."""

from __future__ import annotations

from flask import render_template, request

from kringwerk.accounts.permissions import require_member
from kringwerk.networks import overview as rules
from kringwerk.networks.views import bp, network
from kringwerk.tenancy.models import AffiliationStatus
from kringwerk.tenants.network import require_member_or_network
from kringwerk.web.pagination import requested_page
from kringwerk.web.safety import int_arg


@bp.get("/admin/overview/")
@require_member()
def overview():
    rows = rules.overview(network())
    return render_template(
        "networks/overview.html",
        rows=rows,
        Status=AffiliationStatus,
        signed=sum(1 for row in rows if row.signed_on and row.status == AffiliationStatus.ACTIVE),
        active=sum(1 for row in rows if row.status == AffiliationStatus.ACTIVE),
    )


@bp.get("/directory/")
@require_member_or_network()
def directory():
    region = network()
    query = (request.args.get("q") or "").strip()[:200]
    members = rules.sharing_members(region)
    member_id = int_arg("association")
    if member_id not in {tenant_id for tenant_id, _name in members}:
        member_id = None
    page = rules.combined_directory(region, query=query, member_id=member_id, page=requested_page())
    return render_template(
        "networks/directory.html", page=page, members=members, query=query, member_id=member_id
    )
