"""Suspending and reactivating a tenant (operator only).

A suspended tenant keeps all its data and still reads: people sign in and see
its pages, with a notice on every one of them. It accepts no changes: every
request other than GET/HEAD/OPTIONS to its URLs is refused with 423
(``web.suspension``), an invitation into it cannot be accepted, and its periodic
jobs are skipped (no reminders go out). Reactivating restores everything.

Both actions are recorded in the tenant's audit trail, which the operator's
platform-wide audit log also shows, and on the ``kringwerk.operator`` logger.
"""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l

from kringwerk.audit.services import record
from kringwerk.extensions import db, utcnow
from kringwerk.tenancy.context import tenant_scope
from kringwerk.tenancy.models import Tenant

log = logging.getLogger("kringwerk.operator")

REASON_MAX = 1000


class SuspensionError(ValueError):
    """A suspension change that cannot be made; ``field`` names the form field concerned."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def suspend_tenant(tenant: Tenant, reason: str, *, actor) -> Tenant:
    """Suspend ``tenant`` for ``reason`` (required: the board and later operators read it).

    The caller commits. Suspending a suspended tenant is refused, so a second
    click never overwrites the first reason."""
    reason = (reason or "").strip()
    if not reason:
        raise SuspensionError(_l("Give the reason for the suspension."), field="reason")
    if len(reason) > REASON_MAX:
        raise SuspensionError(_l("Keep the reason under %(max)d characters.", max=REASON_MAX), field="reason")
    if tenant.is_suspended:
        raise SuspensionError(_l("This tenant is already suspended."))
    tenant.suspended_at = utcnow()
    tenant.suspended_reason = reason
    with tenant_scope(tenant):
        record("tenant.suspended", actor=actor, target=tenant, details={"reason": reason})
        db.session.flush()
    log.info("tenant %s suspended by %s: %s", tenant.slug, getattr(actor, "email", None), reason)
    return tenant


def reactivate_tenant(tenant: Tenant, *, actor, note: str | None = None) -> Tenant:
    """Lift the suspension of ``tenant``; everything works again. The caller commits."""
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        raise SuspensionError(_l("Keep the note under %(max)d characters.", max=REASON_MAX), field="note")
    if not tenant.is_suspended:
        raise SuspensionError(_l("This tenant is not suspended."))
    details = {"reason": tenant.suspended_reason or ""}
    if note:
        details["note"] = note
    tenant.suspended_at = None
    tenant.suspended_reason = None
    with tenant_scope(tenant):
        record("tenant.reactivated", actor=actor, target=tenant, details=details)
        db.session.flush()
    log.info("tenant %s reactivated by %s", tenant.slug, getattr(actor, "email", None))
    return tenant
