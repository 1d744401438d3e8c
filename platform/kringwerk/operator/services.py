"""What the operator console reads: the tenant list, a tenant's size, which
plugins it has on, and background work that failed or got stuck. Each tenant's
own data is read inside that tenant's scope; only the tenant table itself is
platform-wide, and the tasks page crosses the tenants on purpose (unscoped)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, and_, func, or_, select

from kringwerk.accounts.models import Membership
from kringwerk.extensions import db, utcnow
from kringwerk.jobs.models import BackgroundTask, TaskStatus
from kringwerk.members.models import Company
from kringwerk.pluginhost import enabled_keys, get_registry
from kringwerk.pluginhost.manifest import Plugin
from kringwerk.tenancy.context import tenant_scope, unscoped
from kringwerk.tenancy.models import Tenant, TenantKind
from kringwerk.web.pagination import Page, paginate

# Failed tasks stay on the page this long; unfinished ones show after STUCK_AFTER
# (a hint: the periodic stale check fails them later, see jobs.services).
FAILED_SHOWN_FOR = timedelta(days=14)
STUCK_AFTER = timedelta(minutes=15)


def tenants(query: str | None = None, kind: TenantKind | str | None = None) -> Select:
    """Tenants by name, optionally matching ``query`` (name or address) and of one ``kind``."""
    statement = select(Tenant).order_by(Tenant.name, Tenant.id)
    query = (query or "").strip().lower()
    if query:
        statement = statement.where(
            or_(
                func.lower(Tenant.name).contains(query, autoescape=True),
                Tenant.slug.contains(query, autoescape=True),
            )
        )
    if kind:
        statement = statement.where(Tenant.kind == TenantKind(kind))
    return statement


@dataclass(frozen=True)
class TenantSize:
    members: int
    companies: int


def tenant_size(tenant: Tenant) -> TenantSize:
    """How many people (memberships) and companies ``tenant`` has, counted in SQL."""
    with tenant_scope(tenant):
        members = db.session.scalar(select(func.count(Membership.id)))
        companies = db.session.scalar(select(func.count(Company.id)))
    return TenantSize(members=members or 0, companies=companies or 0)


@dataclass(frozen=True)
class PluginState:
    plugin: Plugin
    enabled: bool


def plugin_states(tenant: Tenant) -> list[PluginState]:
    """Every installed plugin, by key, with whether ``tenant`` has it on (one query)."""
    enabled = enabled_keys(tenant)
    return [PluginState(plugin, plugin.key in enabled) for plugin in get_registry()]


def plugin_state(tenant: Tenant, key: str) -> PluginState | None:
    plugin = get_registry().get(key)
    if plugin is None:
        return None
    return PluginState(plugin, plugin.key in enabled_keys(tenant))


def troubled_tasks(number: int | None = None) -> Page:
    """A page of (task, tenant name) rows, newest first: tasks of every tenant that
    failed lately, or are waiting or running longer than STUCK_AFTER."""
    now = utcnow()
    statement = (
        select(BackgroundTask, Tenant.name)
        .join(Tenant, Tenant.id == BackgroundTask.tenant_id)
        .where(
            or_(
                and_(
                    BackgroundTask.status == TaskStatus.FAILED,
                    BackgroundTask.finished_at >= now - FAILED_SHOWN_FOR,
                ),
                and_(
                    BackgroundTask.status.in_((TaskStatus.QUEUED, TaskStatus.RUNNING)),
                    func.coalesce(BackgroundTask.started_at, BackgroundTask.created_at) < now - STUCK_AFTER,
                ),
            )
        )
        .order_by(BackgroundTask.created_at.desc(), BackgroundTask.id.desc())
    )
    with unscoped("operator console: failed and stuck background tasks of every tenant"):
        return paginate(statement, number, scalars=False)
