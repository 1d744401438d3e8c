"""What the tenant home shows a signed-in member: what waits for them (the
``waiting_for`` hook, soonest due first) and recent activity they may see.

Recent activity is the audit trail, which only the tenant's admins may read in
full (the audit log page requires that role); everyone else sees only their own
entries, so the home never shows one member what another did or to whom.
"""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, select

from kringwerk.accounts.models import Role
from kringwerk.accounts.permissions import has_role
from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.pluginhost import collect, hooks

RECENT = 5  # entries of recent activity on the home


def waiting_items(tenant, user) -> list:
    """The plugins' WaitingItems for ``user`` in ``tenant``, soonest due first, undated last."""
    items = collect(hooks(tenant).waiting_for(tenant=tenant, user=user))
    return sorted(items, key=lambda item: (item.due is None, item.due.timestamp() if item.due else 0))


def recent_activity(user, limit: int = RECENT) -> list[AuditEntry]:
    """The latest audit entries of the tenant in scope that ``user`` may see (newest first)."""
    # An operator or admin reads the whole trail on the log page anyway.
    own_only = not has_role(Role.ADMIN)
    statement = _recent_statement(own_only, limit)
    return list(db.session.scalars(statement, {"actor_id": user.id} if own_only else {}))


@functools.cache
def _recent_statement(own_only: bool, limit: int):
    """SELECT of the latest ``limit`` audit entries, with ``own_only`` those of ``actor_id``.

    Built once per process (per variant) and reused: building it anew cost more than
    running it, on every tenant home. It holds no data; the tenant wall adds the
    tenant in scope when it runs, as for every statement.
    """
    statement = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)
    if own_only:
        statement = statement.where(AuditEntry.actor_id == bindparam("actor_id"))
    return statement
