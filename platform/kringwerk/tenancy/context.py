"""Which tenant the current unit of work belongs to.

A request, a job or a CLI command runs inside ``tenant_scope(tenant)``; every
ORM statement on a tenant-owned table is then limited to that tenant (see
``scoping``). Work that truly spans tenants says so with ``unscoped(reason)``.
Each crossing is logged at INFO the first time a process gives its reason, so that
every one can be found and reviewed, and at DEBUG after that: a page that crosses on
every request would otherwise write an INFO line per request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

log = logging.getLogger("kringwerk.tenancy")

_tenant_id: ContextVar[int | None] = ContextVar("kringwerk_tenant_id", default=None)
_unscoped_reason: ContextVar[str | None] = ContextVar("kringwerk_unscoped_reason", default=None)

# The reasons this process has logged at INFO. A reason may name a tenant, so there are
# at most a few per tenant and call site; the cap keeps memory bounded all the same.
_MAX_SEEN = 1024
_seen_reasons: set[str] = set()
_seen_lock = threading.Lock()


class TenantScopeError(RuntimeError):
    """Raised when tenant-owned data is touched without (or outside) a tenant scope."""


def current_tenant_id() -> int | None:
    return _tenant_id.get()


def unscoped_reason() -> str | None:
    return _unscoped_reason.get()


@contextmanager
def tenant_scope(tenant) -> Iterator[None]:
    """Run the block as ``tenant`` (a Tenant or its id)."""
    token = enter_tenant_scope(tenant if isinstance(tenant, int) else tenant.id)
    try:
        yield
    finally:
        leave_tenant_scope(token)


def enter_tenant_scope(tenant_id: int) -> Token:
    """Enter ``tenant_id``'s scope until ``leave_tenant_scope(token)``: ``tenant_scope``
    split in two, for a scope that opens in one hook and closes in another (a request's),
    without a generator-based context manager kept in between."""
    if tenant_id is None:
        raise TenantScopeError("tenant has no id yet; flush it before entering its scope")
    return _tenant_id.set(tenant_id)


def leave_tenant_scope(token: Token) -> None:
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
    level = logging.INFO if _first_time(reason) else logging.DEBUG
    log.log(level, "unscoped access: %s (tenant in scope: %s)", reason, _tenant_id.get())
    token = _unscoped_reason.set(reason)
    try:
        yield
    finally:
        _unscoped_reason.reset(token)


def _first_time(reason: str) -> bool:
    with _seen_lock:
        if reason in _seen_reasons:
            return False
        if len(_seen_reasons) >= _MAX_SEEN:
            _seen_reasons.clear()  # start over: a repeated INFO line beats unbounded memory
        _seen_reasons.add(reason)
        return True
