"""Recording administrative actions, and reading them back.

Call ``record`` from the service that performs the action, in the same
transaction, so the trail and the change commit (or roll back) together.
``tenant_log`` and ``platform_log`` build the (filtered) selects behind the
audit log pages.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import Select, func, or_, select, update

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.tenancy.models import Tenant


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


def forget_person(*, replacement: str, targets=(), addresses=(), actor_id: int | None = None) -> None:
    """Name an erased person by ``replacement`` (e.g. ``#12``) in the trail of the tenant in scope.

    Entries keep what was done and when; the label of entries about them (one of
    ``targets``, model instances, or labelled with one of their ``addresses``)
    and of entries by them (``actor_id``) become ``replacement``. A name alone is
    not matched: it may be someone else's. The scope keeps other tenants' entries.
    """
    about = [
        (AuditEntry.target_type == type(target).__name__) & (AuditEntry.target_id == target.id)
        for target in targets
    ]
    about += [AuditEntry.target_label == address for address in addresses if address]
    if about:
        db.session.execute(
            update(AuditEntry)
            .where(or_(*about))
            .values(target_label=replacement)
            .execution_options(synchronize_session=False)
        )
    if actor_id is not None:
        db.session.execute(
            update(AuditEntry)
            .where(AuditEntry.actor_id == actor_id)
            .values(actor_label=replacement)
            .execution_options(synchronize_session=False)
        )


# --- reading the trail ------------------------------------------------------------------


def _filtered(statement: Select, *, action: str | None, actor: str | None) -> Select:
    action = (action or "").strip().lower()
    if action:
        # "member" finds member.invited, member.erased, ...; a full name finds itself.
        prefix = action.rstrip(".") + "."
        statement = statement.where(
            or_(AuditEntry.action == action, AuditEntry.action.startswith(prefix, autoescape=True))
        )
    actor = (actor or "").strip().lower()
    if actor:
        statement = statement.where(func.lower(AuditEntry.actor_label).contains(actor, autoescape=True))
    return statement.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def tenant_log(*, action: str | None = None, actor: str | None = None) -> Select:
    """Entries of the tenant in scope, newest first (the scoping wall limits it)."""
    return _filtered(select(AuditEntry), action=action, actor=actor)


def platform_log(*, tenant: str | None = None, action: str | None = None, actor: str | None = None) -> Select:
    """Entries of every tenant, each with its tenant's slug, name and time zone.

    ``tenant`` matches a slug exactly or a part of a name. Run the statement
    inside ``unscoped(...)``: it reads across tenants on purpose.
    """
    statement = select(
        AuditEntry,
        Tenant.slug.label("tenant_slug"),
        Tenant.name.label("tenant_name"),
        Tenant.timezone.label("tenant_timezone"),
    ).join(Tenant, Tenant.id == AuditEntry.tenant_id)
    tenant = (tenant or "").strip().lower()
    if tenant:
        statement = statement.where(
            or_(Tenant.slug == tenant, func.lower(Tenant.name).contains(tenant, autoescape=True))
        )
    return _filtered(statement, action=action, actor=actor)
