"""Tenancy: the wall between tenants - context, scoping, row-level security,
routing and the models (Tenant, Affiliation, TenantScoped). Tenant
administration (settings, tenants as code, affiliations) is ``kringwerk.tenants``.

Public API: ``current_tenant``, ``tenant_scope``, ``unscoped``,
``current_tenant_id``, ``TenantScoped``, ``tenant_fk``, ``TenantScopeError``.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from kringwerk.tenancy.context import (
    TenantScopeError,
    current_tenant_id,
    no_tenant_scope,
    tenant_scope,
    unscoped,
)
from kringwerk.tenancy.models import Tenant, TenantKind, TenantScoped, tenant_fk
from kringwerk.tenancy.routing import current_tenant

__all__ = [
    "Tenant",
    "TenantKind",
    "TenantScopeError",
    "TenantScoped",
    "current_tenant",
    "current_tenant_id",
    "init_app",
    "no_tenant_scope",
    "tenant_fk",
    "tenant_scope",
    "unscoped",
]


def init_app(app: Flask) -> None:
    from kringwerk.tenancy import rls, routing, scoping

    scoping.install(Session)
    rls.install()
    if not event.contains(Engine, "connect", _sqlite_foreign_keys):
        event.listen(Engine, "connect", _sqlite_foreign_keys)
    routing.install(app)


def _sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    """SQLite ignores foreign keys unless asked; the composite tenant keys depend on them."""
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
