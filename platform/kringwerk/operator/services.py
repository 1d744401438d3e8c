"""What the operator console reads: the tenant list, which plugins a tenant has
on, and background work that failed or got stuck. Only the tenant table itself
is platform-wide; the tasks page crosses the tenants on purpose (unscoped). A
tenant's usage is read in ``usage``, its suspension changed in ``suspension``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, and_, func, or_, select

from kringwerk.extensions import utcnow
from kringwerk.jobs.models import BackgroundTask, TaskStatus
from kringwerk.pluginhost import enabled_keys, get_registry
from kringwerk.pluginhost.manifest import Plugin
from kringwerk.tenancy.context import unscoped
from kringwerk.tenancy.models import Tenant, TenantKind
from kringwerk.web.pagination import Page, paginate

# Failed tasks stay on the page this long; unfinished ones show after STUCK_AFTER
# (a hint: the periodic stale check fails them later, see jobs.services).
FAILED_SHOWN_FOR = timedelta(days=14)
STUCK_AFTER = timedelta(minutes=15)


def tenants(
    query: str | None = None, kind: TenantKind | str | None = None, status: str | None = None
) -> Select:
    """Tenants by name, optionally matching ``query`` (name or address), of one ``kind``,
    and ``status`` "active" or "suspended"."""
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
    if status == "suspended":
        statement = statement.where(Tenant.suspended_at.is_not(None))
    elif status == "active":
        statement = statement.where(Tenant.suspended_at.is_(None))
    return statement


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
