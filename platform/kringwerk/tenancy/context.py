"""Which tenant the current unit of work belongs to.

A request, a job or a CLI command runs inside ``tenant_scope(tenant)``; every
ORM statement on a tenant-owned table is then limited to that tenant (see
``scoping``). Work that truly spans tenants says so with ``unscoped(reason)``.
Each kind of crossing is logged at INFO the first time a process makes it, so that
every one can be found and reviewed, and at DEBUG after that: a page that crosses on
every request would otherwise write an INFO line per request.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from types import FrameType

log = logging.getLogger("kringwerk.tenancy")

_tenant_id: ContextVar[int | None] = ContextVar("kringwerk_tenant_id", default=None)
_unscoped_reason: ContextVar[str | None] = ContextVar("kringwerk_unscoped_reason", default=None)

# The kinds of crossing this process has logged at INFO, keyed by the line of code that
# wrote the reason: reasons name tenant slugs and ids, which no text rule tells apart from
# the words around them, while each call site is one reason pattern. Call sites are few;
# the cap only keeps memory bounded should that ever stop being true.
_MAX_SEEN = 1024
_seen_sites: set[tuple[str, int]] = set()
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


def unscoped(reason: str) -> AbstractContextManager[None]:
    """Lift tenant scoping for the block. ``reason`` is required and logged."""
    if not reason or not reason.strip():
        raise ValueError("unscoped() needs a reason")
    return _unscoped(reason, _crossing_site(sys._getframe(1)))


@contextmanager
def _unscoped(reason: str, site: tuple[str, int]) -> Iterator[None]:
    level = logging.INFO if _first_time(site) else logging.DEBUG
    log.log(level, "unscoped access: %s (tenant in scope: %s)", reason, _tenant_id.get())
    token = _unscoped_reason.set(reason)
    try:
        yield
    finally:
        _unscoped_reason.reset(token)


def _crossing_site(frame: FrameType) -> tuple[str, int]:
    """The line that wrote the reason: the caller's, or, when the caller is a generator
    context manager handing on its own caller's reason (``letters.owner_scope``), the
    line that entered that manager."""
    while frame.f_code.co_flags & inspect.CO_GENERATOR:
        outer = frame.f_back
        if outer is None or outer.f_code.co_filename != contextlib.__file__:
            break
        while outer is not None and outer.f_code.co_filename == contextlib.__file__:
            outer = outer.f_back
        if outer is None:
            break
        frame = outer
    return frame.f_code.co_filename, frame.f_lineno


def _first_time(site: tuple[str, int]) -> bool:
    with _seen_lock:
        if site in _seen_sites:
            return False
        if len(_seen_sites) >= _MAX_SEEN:
            _seen_sites.clear()  # start over: a repeated INFO line beats unbounded memory
        _seen_sites.add(site)
        return True
