"""What the operator reads of a tenant's use: people and companies, the modules
it has on with each one's own counts (polls, events, dossiers, plans), its plan and
billing state, and when it was last active (its latest audit entry or a member's latest sign-in).

``tenant_usage(tenants)`` answers for a page of tenants at once, in one named
crossing: one statement for the core's figures, one for the enabled modules, and
one ``usage_figures`` call per plugin for the tenants of the page that have it on,
so the number of statements never grows with the tenants on the page.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from kringwerk.accounts.models import Membership, User
from kringwerk.audit.models import AuditEntry
from kringwerk.billing.services import Entitlement, entitlements
from kringwerk.extensions import db
from kringwerk.members.models import Company
from kringwerk.pluginhost import get_registry
from kringwerk.pluginhost.gating import plugin_hooks
from kringwerk.pluginhost.manifest import Plugin
from kringwerk.pluginhost.models import TenantPlugin
from kringwerk.tenancy.context import unscoped
from kringwerk.tenancy.models import Tenant

log = logging.getLogger("kringwerk.operator")


@dataclass(frozen=True)
class UsageFigure:
    """One count a plugin reports for one tenant (``usage_figures`` hook): how many
    polls, events, dossiers or plans it holds. A count, never a row."""

    tenant_id: int
    key: str  # stable, e.g. "polls.polls"
    label: Any  # str or lazy translation
    count: int


@dataclass(frozen=True)
class LastActivity:
    at: datetime
    sign_in: bool  # True: a member signed in; False: a change in the audit trail

    @property
    def label(self) -> str:
        return str(_l("Sign-in") if self.sign_in else _l("Change"))


@dataclass(frozen=True)
class TenantUsage:
    tenant: Tenant
    members: int
    companies: int
    plugins: tuple[Plugin, ...]  # enabled and installed, by key
    figures: tuple[UsageFigure, ...]  # in the order of ``plugins``
    last_change: datetime | None
    last_sign_in: datetime | None
    billing: Entitlement | None = None  # the plan in force and why

    @property
    def last_activity(self) -> LastActivity | None:
        moments = [
            LastActivity(at, sign_in)
            for at, sign_in in ((self.last_change, False), (self.last_sign_in, True))
            if at is not None
        ]
        return max(moments, key=lambda moment: moment.at, default=None)


def tenant_usage(tenants: Sequence[Tenant]) -> list[TenantUsage]:
    """The usage of each of ``tenants``, in the same order."""
    if not tenants:
        return []
    ids = [tenant.id for tenant in tenants]
    registry = get_registry()
    with unscoped(f"operator console: usage figures of {len(ids)} tenants"):
        core = {row.id: row for row in db.session.execute(_core_figures(ids))}
        enabled: dict[int, list[str]] = defaultdict(list)
        for tenant_id, key in db.session.execute(
            select(TenantPlugin.tenant_id, TenantPlugin.key)
            .where(TenantPlugin.tenant_id.in_(ids), TenantPlugin.enabled)
            .order_by(TenantPlugin.key, TenantPlugin.tenant_id)
        ):
            if key in registry:  # enabled once, no longer installed: nothing to show
                enabled[tenant_id].append(key)
        figures = _plugin_figures(enabled)
        billing = entitlements(ids)
    usage = []
    for tenant in tenants:
        row = core.get(tenant.id)
        keys = enabled.get(tenant.id, [])
        usage.append(
            TenantUsage(
                tenant=tenant,
                members=row.members if row else 0,
                companies=row.companies if row else 0,
                plugins=tuple(registry.get(key) for key in keys),
                figures=tuple(figure for key in keys for figure in figures.get((tenant.id, key), ())),
                last_change=row.last_change if row else None,
                last_sign_in=row.last_sign_in if row else None,
                billing=billing.get(tenant.id),
            )
        )
    return usage


def _core_figures(ids: list[int]):
    """One statement: per tenant its people, companies, latest audit entry and latest sign-in."""

    def per_tenant(statement):
        return statement.correlate(Tenant).scalar_subquery()

    members = per_tenant(select(func.count(Membership.id)).where(Membership.tenant_id == Tenant.id))
    companies = per_tenant(select(func.count(Company.id)).where(Company.tenant_id == Tenant.id))
    last_change = per_tenant(select(func.max(AuditEntry.created_at)).where(AuditEntry.tenant_id == Tenant.id))
    last_sign_in = per_tenant(
        select(func.max(User.last_login_at))
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == Tenant.id)
    )
    return select(
        Tenant.id,
        members.label("members"),
        companies.label("companies"),
        last_change.label("last_change"),
        last_sign_in.label("last_sign_in"),
    ).where(Tenant.id.in_(ids))


def _plugin_figures(enabled: dict[int, list[str]]) -> dict[tuple[int, str], list[UsageFigure]]:
    """Each plugin's counts for the tenants that have it on (runs inside the crossing)."""
    by_plugin: dict[str, list[int]] = defaultdict(list)
    for tenant_id, keys in enabled.items():
        for key in keys:
            by_plugin[key].append(tenant_id)
    found: dict[tuple[int, str], list[UsageFigure]] = defaultdict(list)
    for key in sorted(by_plugin):
        allowed = set(by_plugin[key])
        for result in plugin_hooks(key).usage_figures(tenant_ids=tuple(sorted(allowed))):
            for figure in result or ():
                if _is_count(figure) and figure.tenant_id in allowed:
                    found[(figure.tenant_id, key)].append(figure)
                else:
                    log.warning(
                        "plugin %s: usage figure dropped (not a count of an asked tenant): %r", key, figure
                    )
    return found


def _is_count(figure) -> bool:
    return (
        isinstance(figure, UsageFigure)
        and isinstance(figure.count, int)
        and not isinstance(figure.count, bool)
    )
