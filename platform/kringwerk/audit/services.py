"""Recording administrative actions. Call ``record`` from the service that
performs the action, in the same transaction, so the trail and the change
commit (or roll back) together."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db


def record(
    action: str,
    *,
    actor=None,
    target=None,
    target_label: str | None = None,
    details: dict[str, Any] | None = None,
    tenant=None,
) -> AuditEntry:
    """Add an audit entry for ``action`` (dotted, e.g. ``member.invited``).

    ``target`` is the model instance acted on; ``tenant`` defaults to the tenant
    in scope (the flush guard fills it in) and is needed only when acting on a
    tenant from outside its scope, as the operator console does.
    """
    entry = AuditEntry(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None),
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        target_label=target_label or _label(target),
        details=details or {},
        ip_address=request.remote_addr if has_request_context() else None,
    )
    if tenant is not None:
        entry.tenant_id = tenant.id
    db.session.add(entry)
    return entry


def _label(target) -> str | None:
    if target is None:
        return None
    for attribute in ("name", "email", "title", "slug", "key"):
        value = getattr(target, attribute, None)
        if isinstance(value, str) and value:
            return value[:300]
    return None
