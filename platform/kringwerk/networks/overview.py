"""What a network sees of its member associations: the overview and the combined directory.

The overview joins the network's own rows (affiliations, signatures) with the members'
aggregates from ``tenants.network.network_figures`` (people, companies, plugins in
use): numbers and names, never the members' rows.

The combined directory is the one exception, and the association decides: an
association whose board switched ``DirectorySharing.shared`` on shows its companies'
public fields (name, sector, place, website) to the network it is active in. The
directory is read in one named crossing, as plain values; no ORM object of another
tenant leaves it. No row means not shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from kringwerk.audit.services import record
from kringwerk.extensions import db, utcnow
from kringwerk.members.models import Company
from kringwerk.networks.letters import latest_signatures
from kringwerk.networks.models import DirectorySharing
from kringwerk.pluginhost.registry import get_registry
from kringwerk.tenancy.context import tenant_scope, unscoped
from kringwerk.tenancy.models import Affiliation, AffiliationStatus, Tenant, TenantKind
from kringwerk.tenants.affiliations import network_affiliations
from kringwerk.tenants.network import network_figures
from kringwerk.web.pagination import Page, paginate


@dataclass(frozen=True)
class OverviewRow:
    """One association of the network, as its overview shows it."""

    tenant_id: int
    name: str
    municipality: str | None
    status: AffiliationStatus
    joined_on: date | None
    left_on: date | None
    signed_on: date | None
    signed_version: int | None
    people: int | None  # None: not (yet) an active member, so not counted
    companies: int | None
    plugins: tuple[str, ...]


def overview(network: Tenant) -> list[OverviewRow]:
    """Every association the network invited, active first, with its figures when active."""
    with tenant_scope(network):
        rows = list(db.session.scalars(network_affiliations(network)))
        signed = latest_signatures(network)
    figures = {figure.tenant_id: figure for figure in network_figures(network)}
    registry = get_registry()
    result = []
    for affiliation in rows:
        member = affiliation.member
        figure = figures.get(member.id)
        plugins = tuple(
            str(registry.get(key).name) for key in (figure.plugins if figure else ()) if key in registry
        )
        signed_on, version = signed.get(member.id, (None, None))
        result.append(
            OverviewRow(
                tenant_id=member.id,
                name=member.name,
                municipality=member.municipality,
                status=affiliation.status,
                joined_on=affiliation.joined_on,
                left_on=affiliation.left_on,
                signed_on=signed_on,
                signed_version=version,
                people=figure.people if figure else None,
                companies=figure.companies if figure else None,
                plugins=plugins,
            )
        )
    return result


def left_members(network: Tenant) -> dict[int, date]:
    """Member tenant id -> the day it left, for associations that were members once."""
    with tenant_scope(network):
        return {
            row.member_tenant_id: row.left_on
            for row in db.session.execute(
                select(Affiliation.member_tenant_id, Affiliation.left_on).where(
                    Affiliation.tenant_id == network.id,
                    Affiliation.status == AffiliationStatus.LEFT,
                    Affiliation.joined_on.is_not(None),
                )
            )
        }


# --- directory sharing (the association decides) -------------------------------------------


def is_shared(tenant: Tenant) -> bool:
    with tenant_scope(tenant):
        return bool(db.session.scalar(select(DirectorySharing.shared)))


def set_sharing(tenant: Tenant, shared: bool, *, actor) -> bool:
    """Switch sharing on or off for ``tenant``; returns whether anything changed."""
    if tenant.kind == TenantKind.REGION:
        raise ValueError("a network has no network to share its directory with")
    with tenant_scope(tenant):
        row = db.session.scalar(select(DirectorySharing))
        if row is None:
            if not shared:
                return False
            row = DirectorySharing(shared=False)
            db.session.add(row)
        if row.shared == shared:
            return False
        row.shared = shared
        row.changed_at = utcnow()
        row.changed_by_id = getattr(actor, "id", None)
        record(
            "directory.shared" if shared else "directory.unshared",
            actor=actor,
            target=tenant,
            target_label=tenant.name,
        )
        db.session.flush()
    return True


@dataclass(frozen=True)
class DirectoryEntry:
    """A company's public fields in the combined directory."""

    name: str
    sector: str | None
    city: str | None
    website: str | None
    association: str


def sharing_members(network: Tenant) -> list[tuple[int, str]]:
    """(id, name) of the network's active members that share their directory, by name."""
    with unscoped(f"combined directory: which of {network.slug}'s members share their directory"):
        return [
            (row.id, row.name)
            for row in db.session.execute(_sharing(network).order_by(Tenant.name, Tenant.id))
        ]


def _sharing(network: Tenant):
    return (
        select(Tenant.id, Tenant.name)
        .join(Affiliation, Affiliation.member_tenant_id == Tenant.id)
        .join(DirectorySharing, DirectorySharing.tenant_id == Tenant.id)
        .where(
            Affiliation.tenant_id == network.id,
            Affiliation.status == AffiliationStatus.ACTIVE,
            DirectorySharing.shared.is_(True),
        )
    )


def combined_directory(
    network: Tenant, *, query: str = "", member_id: int | None = None, page: int = 1
) -> Page:
    """One page of the companies of the sharing members, by name, as ``DirectoryEntry`` values."""
    if network.kind != TenantKind.REGION:
        raise ValueError(_l("Only a regional network has a combined directory."))
    sharing = _sharing(network).subquery()
    statement = (
        select(
            Company.name, Company.sector, Company.city, Company.website, sharing.c.name.label("association")
        )
        .join(sharing, sharing.c.id == Company.tenant_id)
        .order_by(func.lower(Company.name), Company.id)
    )
    query = (query or "").strip().lower()
    if query:
        statement = statement.where(func.lower(Company.name).contains(query, autoescape=True))
    if member_id is not None:
        statement = statement.where(Company.tenant_id == member_id)
    with unscoped(
        f"combined directory: public fields of the companies {network.slug}'s sharing members show"
    ):
        found = paginate(statement, number=page, scalars=False)
    return Page(
        items=[DirectoryEntry(*row) for row in found.items],
        number=found.number,
        per_page=found.per_page,
        total=found.total,
    )
