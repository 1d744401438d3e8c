"""The ``/<tenant>/`` URL prefix.

Any route whose rule contains ``<tenant>`` gets the tenant resolved before the
view runs: an unknown slug answers 404, a known one becomes ``g.tenant`` and
the tenant scope of the request. ``url_for`` fills ``tenant`` in from the
current request, so views and templates never pass it by hand.

The tenant of a slug is kept per process (``tenancy.cache``): a request finds it without a
query and gets its session's own copy, so a view may change ``g.tenant`` and commit as usual.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, g, has_app_context, has_request_context
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.tenancy import cache
from kringwerk.tenancy.context import current_tenant_id, enter_tenant_scope, leave_tenant_scope
from kringwerk.tenancy.models import Tenant

TENANT_ARG = "tenant"


def current_tenant() -> Tenant | None:
    """The tenant being worked for: in a request, the tenant of its URL (None outside a
    tenant URL, even where a view enters another scope); in a job or a CLI command, the
    tenant whose scope is entered."""
    if has_request_context():
        return g.get("tenant")
    return scope_tenant()


def scope_tenant() -> Tenant | None:
    """The Tenant whose scope is entered (``tenant_scope``), or None; loaded once per context."""
    tenant_id = current_tenant_id()
    if tenant_id is None or not has_app_context():
        return None
    cached = g.get("_scope_tenant")
    if cached is None or cached.id != tenant_id:
        cached = db.session.get(Tenant, tenant_id)  # Tenant is not tenant-scoped
        g._scope_tenant = cached
    return cached


def tenant_by_slug(slug: str) -> Tenant | None:
    """The Tenant of ``slug`` in this request's session, or None; from the process cache when
    it holds it (checked against the stamp once per request), else one query."""
    generation = cache.current()
    if generation is not None:
        kept = generation.get(("tenant", slug))
        if kept is not None:
            return cache.in_session(kept)
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    # Not if the query's autoflush wrote a tenant change of this request (it left the cache).
    if tenant is not None and generation is not None and cache.current() is generation:
        generation.put(("tenant", slug), cache.detached_copy(tenant))
    return tenant


def install(app: Flask) -> None:
    cache.install(app, Tenant)
    app.url_value_preprocessor(_enter_tenant)
    app.url_defaults(_fill_tenant)
    app.teardown_request(_leave_tenant)


def _enter_tenant(endpoint: str | None, values: dict | None) -> None:
    g.pop("tenant", None)
    if not values or TENANT_ARG not in values:
        return
    slug = values.pop(TENANT_ARG)
    tenant = tenant_by_slug(slug)
    if tenant is None:
        abort(404)
    g.tenant = tenant
    g._tenant_scope = enter_tenant_scope(tenant.id)


def _leave_tenant(exc: BaseException | None) -> None:
    # g goes with the request's app context, unless the request ran inside one already
    # (a test, a command): then these must not outlive it.
    namespace = g.__dict__
    token = namespace.pop("_tenant_scope", None)
    namespace.pop("tenant", None)
    if token is not None:
        leave_tenant_scope(token)


def _fill_tenant(endpoint: str, values: dict) -> None:
    if TENANT_ARG in values:
        return
    tenant = g.get("tenant")
    if tenant is not None and current_app.url_map.is_endpoint_expecting(endpoint, TENANT_ARG):
        values[TENANT_ARG] = tenant.slug
