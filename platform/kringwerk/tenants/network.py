"""The network scope: what a regional network shares with its member associations.

People of an association with an *active* affiliation to a regional network
reach that network with their own login, without a membership in it: its home
and the pages it opens to its associations (``require_member_or_network``).
``network_access`` is the one place that decides; everyone else (members of a
tenant that is not affiliated, that left or is only invited, and anonymous
visitors) gets 404 on those pages.

The network itself reads its members' figures only as aggregates:
``network_figures`` crosses tenants in one named ``unscoped`` block, only along
active affiliations, and returns numbers per association (plugins add theirs
through the ``network_figures`` hook), never rows of the members' tables.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import wraps
from typing import Any

from flask import abort, g, has_app_context
from flask_login import current_user
from sqlalchemy import func, select

from kringwerk.accounts.models import Membership, Role
from kringwerk.accounts.permissions import current_membership, is_operator
from kringwerk.extensions import db
from kringwerk.members.models import Company
from kringwerk.pluginhost.access import open_to_network
from kringwerk.pluginhost.models import TenantPlugin
from kringwerk.pluginhost.registry import get_registry
from kringwerk.tenancy.context import unscoped
from kringwerk.tenancy.models import Affiliation, AffiliationStatus, Tenant, TenantKind
from kringwerk.tenancy.routing import current_tenant

log = logging.getLogger("kringwerk.tenants")

_CACHE = "_kringwerk_network_access"


# --- who reaches a network -----------------------------------------------------------------


@dataclass(frozen=True)
class Via:
    """An association (or municipality) through which someone reaches a network, and their role there."""

    tenant_id: int
    slug: str
    name: str
    role: Role


@dataclass(frozen=True)
class NetworkAccess:
    """Why a user who is not a member of a network may still see what it opens to its associations."""

    network_id: int
    via: tuple[Via, ...]

    @property
    def names(self) -> str:
        """The associations' names, for a sentence ("through Kring A, Kring C")."""
        return ", ".join(v.name for v in self.via)


def network_access(user, tenant: Tenant) -> NetworkAccess | None:
    """How ``user`` reaches the regional network ``tenant`` through their associations, or None.

    Only memberships in tenants with an ACTIVE affiliation to ``tenant`` count;
    the user's own membership of the network is not looked at (that is
    ``current_membership``). One query, cached per request.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "active", False):
        return None
    if tenant is None or tenant.kind != TenantKind.REGION:
        return None
    cache = g.setdefault(_CACHE, {}) if has_app_context() else {}
    key = (user.id, tenant.id)
    if key not in cache:
        cache[key] = _look_up(user.id, tenant)
    return cache[key]


def _look_up(user_id: int, network: Tenant) -> NetworkAccess | None:
    # The memberships live in the associations' tenants: reading them is a crossing,
    # limited to the user's own rows in tenants actively affiliated with this network.
    statement = (
        select(Tenant.id, Tenant.slug, Tenant.name, Membership.role)
        .join(Affiliation, Affiliation.member_tenant_id == Tenant.id)
        .join(Membership, Membership.tenant_id == Tenant.id)
        .where(
            Affiliation.tenant_id == network.id,
            Affiliation.status == AffiliationStatus.ACTIVE,
            Membership.user_id == user_id,
        )
        .order_by(Tenant.name, Tenant.id)
    )
    with unscoped(
        f"network access: user {user_id}'s memberships in associations affiliated with {network.slug}"
    ):
        rows = db.session.execute(statement).all()
    if not rows:
        return None
    return NetworkAccess(network.id, tuple(Via(row.id, row.slug, row.name, row.role) for row in rows))


def require_member_or_network() -> Callable:
    """Decorate a page a network opens to its associations: members of the tenant (and
    operators) pass, and so does anyone ``network_access`` admits. Everyone else,
    anonymous visitors included, gets 404."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            tenant = current_tenant()
            if tenant is None or not current_user.is_authenticated:
                abort(404)
            member = is_operator() or current_membership() is not None
            if not member and network_access(current_user, tenant) is None:
                abort(404)
            return view(*args, **kwargs)

        # The plugin host admits the network scope only to views marked so (access.py).
        return open_to_network(wrapper)

    return decorator


def active_members(network: Tenant) -> list[Tenant]:
    """The tenants with an active affiliation to ``network``, by name (one query, no crossing:
    the affiliations belong to the network)."""
    if network.kind != TenantKind.REGION:
        return []
    return list(
        db.session.scalars(
            select(Tenant)
            .join(Affiliation, Affiliation.member_tenant_id == Tenant.id)
            .where(Affiliation.tenant_id == network.id, Affiliation.status == AffiliationStatus.ACTIVE)
            .order_by(Tenant.name, Tenant.id)
        )
    )


def member_networks(member: Tenant) -> list[Tenant]:
    """The regional networks ``member`` is actively affiliated with, by name. A named crossing:
    the affiliations belong to the networks' tenants."""
    with unscoped(f"network scope: the networks {member.slug} is an active member of"):
        return list(
            db.session.scalars(
                select(Tenant)
                .join(Affiliation, Affiliation.tenant_id == Tenant.id)
                .where(
                    Affiliation.member_tenant_id == member.id, Affiliation.status == AffiliationStatus.ACTIVE
                )
                .order_by(Tenant.name, Tenant.id)
            )
        )


def peer_access(user, tenant: Tenant) -> NetworkAccess | None:
    """How ``user`` reaches what ``tenant`` opens to its network(s), or None.

    For a network this is ``network_access``. For an association it is a membership of a
    network the association is actively in, or of another association actively in such a
    network (what an association's network-wide event is open to). One query, cached per
    request; the user's own membership of ``tenant`` is not looked at.
    """
    if tenant is None or tenant.kind == TenantKind.REGION:
        return network_access(user, tenant)
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "active", False):
        return None
    cache = g.setdefault(_CACHE, {}) if has_app_context() else {}
    key = ("peers", user.id, tenant.id)
    if key not in cache:
        cache[key] = _look_up_peers(user.id, tenant)
    return cache[key]


def _look_up_peers(user_id: int, tenant: Tenant) -> NetworkAccess | None:
    networks = select(Affiliation.tenant_id).where(
        Affiliation.member_tenant_id == tenant.id, Affiliation.status == AffiliationStatus.ACTIVE
    )
    peers = select(Affiliation.member_tenant_id).where(
        Affiliation.tenant_id.in_(networks), Affiliation.status == AffiliationStatus.ACTIVE
    )
    statement = (
        select(Tenant.id, Tenant.slug, Tenant.name, Membership.role)
        .join(Membership, Membership.tenant_id == Tenant.id)
        .where(
            Membership.user_id == user_id,
            Tenant.id != tenant.id,
            (Tenant.id.in_(peers) | Tenant.id.in_(networks)),
        )
        .order_by(Tenant.name, Tenant.id)
    )
    with unscoped(
        f"network scope: user {user_id}'s memberships in {tenant.slug}'s networks and their members"
    ):
        rows = db.session.execute(statement).all()
        network_id = db.session.scalar(networks.order_by(Affiliation.tenant_id).limit(1))
    if not rows or network_id is None:
        return None
    return NetworkAccess(network_id, tuple(Via(row.id, row.slug, row.name, row.role) for row in rows))


# --- what a network reads of its members ---------------------------------------------------


@dataclass(frozen=True)
class NetworkFigure:
    """One number a plugin reports for one member association (an aggregate, never a row)."""

    tenant_id: int
    key: str  # stable, e.g. "events.held"
    label: Any  # str or lazy translation
    value: int | float | Decimal


@dataclass(frozen=True)
class MemberFigures:
    """The figures of one actively affiliated association."""

    tenant_id: int
    slug: str
    name: str
    kind: TenantKind
    joined_on: date | None
    people: int  # accounts with a membership
    companies: int
    figures: tuple[NetworkFigure, ...] = ()
    plugins: tuple[str, ...] = ()  # keys of the plugins enabled in the member


def network_figures(network: Tenant) -> list[MemberFigures]:
    """Aggregated figures of ``network``'s active member associations, by name.

    The only crossing into the members' tenants for figures. Plugins enabled in a
    member add ``NetworkFigure``s through the ``network_figures`` hook, called once
    per plugin for all its members together, so the number of queries does not grow
    with the number of associations. The caller decides who may see them.
    """
    if network.kind != TenantKind.REGION:
        return []
    people = (
        select(func.count(Membership.id))
        .where(Membership.tenant_id == Tenant.id)
        .correlate(Tenant)
        .scalar_subquery()
    )
    companies = (
        select(func.count(Company.id))
        .where(Company.tenant_id == Tenant.id)
        .correlate(Tenant)
        .scalar_subquery()
    )
    members = (
        select(Tenant.id, Tenant.slug, Tenant.name, Tenant.kind, Affiliation.joined_on, people, companies)
        .join(Affiliation, Affiliation.member_tenant_id == Tenant.id)
        .where(Affiliation.tenant_id == network.id, Affiliation.status == AffiliationStatus.ACTIVE)
        .order_by(Tenant.name, Tenant.id)
    )
    with unscoped(f"network figures: aggregates of {network.slug}'s actively affiliated members"):
        rows = db.session.execute(members).all()
        enabled = _enabled_plugins([row.id for row in rows]) if rows else {}
        extra = _plugin_figures(network, enabled) if rows else {}
    in_use: dict[int, list[str]] = defaultdict(list)
    for key, ids in enabled.items():
        for tenant_id in ids:
            in_use[tenant_id].append(key)
    return [
        MemberFigures(
            tenant_id=row.id,
            slug=row.slug,
            name=row.name,
            kind=row.kind,
            joined_on=row.joined_on,
            people=row[5],
            companies=row[6],
            figures=tuple(extra.get(row.id, ())),
            plugins=tuple(sorted(in_use.get(row.id, ()))),
        )
        for row in rows
    ]


def _enabled_plugins(tenant_ids: list[int]) -> dict[str, list[int]]:
    """Plugin key -> the members that have it enabled (one query, inside the crossing)."""
    enabled: dict[str, list[int]] = defaultdict(list)
    for tenant_id, key in db.session.execute(
        select(TenantPlugin.tenant_id, TenantPlugin.key)
        .where(TenantPlugin.tenant_id.in_(tenant_ids), TenantPlugin.enabled)
        .order_by(TenantPlugin.key, TenantPlugin.tenant_id)
    ):
        enabled[key].append(tenant_id)
    return enabled


def _plugin_figures(network: Tenant, enabled: dict[str, list[int]]) -> dict[int, list[NetworkFigure]]:
    """Each plugin's figures for the members that have it enabled (runs inside the crossing)."""
    registry = get_registry()
    participants = dict(registry.pm.list_name_plugin())
    found: dict[int, list[NetworkFigure]] = defaultdict(list)
    for key, ids in enabled.items():
        if key not in registry or key not in participants:
            continue  # enabled once, no longer installed
        # Only this plugin answers, and only for the members that have it enabled.
        others = [plugin for name, plugin in participants.items() if name != key]
        call = registry.pm.subset_hook_caller("network_figures", remove_plugins=others)
        allowed = set(ids)
        for result in call(network=network, tenant_ids=tuple(ids)):
            for figure in result or ():
                if _is_aggregate(figure) and figure.tenant_id in allowed:
                    found[figure.tenant_id].append(figure)
                else:
                    log.warning(
                        "plugin %s: network figure dropped (not an aggregate of its members): %r", key, figure
                    )
    return found


def _is_aggregate(figure) -> bool:
    return (
        isinstance(figure, NetworkFigure)
        and isinstance(figure.value, int | float | Decimal)
        and not isinstance(figure.value, bool)
    )
