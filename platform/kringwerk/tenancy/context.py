"""Which tenant the current unit of work belongs to.

A request, a job or a CLI command runs inside ``tenant_scope(tenant)``; every
ORM statement on a tenant-owned table is then limited to that tenant (see
``scoping``). Work that truly spans tenants says so with ``unscoped(reason)``,
which is logged so that every crossing can be found and reviewed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

log = logging.getLogger("kringwerk.tenancy")

_tenant_id: ContextVar[int | None] = ContextVar("kringwerk_tenant_id", default=None)
_unscoped_reason: ContextVar[str | None] = ContextVar("kringwerk_unscoped_reason", default=None)


class TenantScopeError(RuntimeError):
    """Raised when tenant-owned data is touched without (or outside) a tenant scope."""


def current_tenant_id() -> int | None:
    return _tenant_id.get()


def unscoped_reason() -> str | None:
    return _unscoped_reason.get()


@contextmanager
def tenant_scope(tenant) -> Iterator[None]:
    """Run the block as ``tenant`` (a Tenant or its id)."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.id
    if tenant_id is None:
        raise TenantScopeError("tenant has no id yet; flush it before entering its scope")
    token = _tenant_id.set(tenant_id)
    try:
        yield
    finally:
        _tenant_id.reset(token)


@contextmanager
def no_tenant_scope() -> Iterator[None]:
    """Leave any tenant scope for the block (platform-level work such as the operator console)."""
    token = _tenant_id.set(None)
    try:
        yield
    finally:
        _tenant_id.reset(token)


@contextmanager
def unscoped(reason: str) -> Iterator[None]:
    """Lift tenant scoping for the block. ``reason`` is required and logged."""
    if not reason or not reason.strip():
        raise ValueError("unscoped() needs a reason")
    log.info("unscoped access: %s (tenant in scope: %s)", reason, _tenant_id.get())
    token = _unscoped_reason.set(reason)
    try:
        yield
    finally:
        _unscoped_reason.reset(token)
