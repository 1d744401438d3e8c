"""What the tenant home shows a signed-in member: what waits for them (the
``waiting_for`` hook, soonest due first), recent activity they may see and the
modules' cards.

Recent activity is the audit trail, which only the tenant's admins may read in
full (the audit log page requires that role); everyone else sees only their own
entries, so the home never shows one member what another did or to whom.

The home's content is read far more often than anything on it changes, so it is
kept as rendered HTML (``web.fragments.remembered_html``) until the next write,
keyed by the person (everything on it is theirs or depends on their role) and by the
minute: what waits depends on the clock (a poll is open between its opening and
closing moments, an event waits until it ends). Deadlines are set to the minute, so
keyed by the minute such a change shows at that very minute; a moment set to the
second (by a script, say) shows at the latest at the end of its minute.
"""

from __future__ import annotations

import functools

from flask import render_template
from markupsafe import Markup
from sqlalchemy import bindparam, select

from kringwerk.accounts.models import Role
from kringwerk.accounts.permissions import has_role
from kringwerk.audit.labels import action_label
from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db, utcnow
from kringwerk.pluginhost import collect, hooks
from kringwerk.web.fragments import remembered_html

RECENT = 5  # entries of recent activity on the home


def home_html(tenant, user) -> Markup:
    """The home's content for ``user`` in ``tenant`` (the tenant in scope), kept per
    person until the next write, and for the minute it was built in (the next minute
    replaces it: one entry per person)."""
    return remembered_html(("home", user.id), lambda: _render_home(tenant, user), minute_now())


def minute_now() -> int:
    """The current minute (UTC, counted from the epoch): the home's time key. Every time
    zone's offset is whole minutes, so a minute never straddles two local dates."""
    return int(utcnow().timestamp()) // 60


def _render_home(tenant, user) -> str:
    cards = collect(hooks(tenant).dashboard_cards(tenant=tenant, user=user))
    cards.sort(key=lambda card: card.order)
    return render_template(
        "web/_home.html",
        tenant=tenant,
        cards=cards,
        waiting=waiting_items(tenant, user),
        activity=recent_activity(user),
        action_label=action_label,
    )


def waiting_items(tenant, user) -> list:
    """The plugins' WaitingItems for ``user`` in ``tenant``, soonest due first, undated last."""
    items = collect(hooks(tenant).waiting_for(tenant=tenant, user=user))
    return sorted(items, key=lambda item: (item.due is None, item.due.timestamp() if item.due else 0))


def recent_activity(user, limit: int = RECENT) -> list:
    """The latest audit entries of the tenant in scope that ``user`` may see (newest first),
    as rows of what the home shows: ``action``, ``target_label`` and ``created_at``."""
    # An operator or admin reads the whole trail on the log page anyway.
    own_only = not has_role(Role.ADMIN)
    statement = _recent_statement(own_only, limit)
    return db.session.execute(statement, {"actor_id": user.id} if own_only else {}).all()


@functools.cache
def _recent_statement(own_only: bool, limit: int):
    """SELECT of the latest ``limit`` audit entries, with ``own_only`` those of ``actor_id``.

    Built once per process (per variant) and reused: building it anew cost more than
    running it, on every tenant home. Only the three columns the home shows, not the
    entity. It holds no data; the tenant wall adds the tenant in scope when it runs, as
    for every statement.
    """
    statement = (
        select(AuditEntry.action, AuditEntry.target_label, AuditEntry.created_at)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    if own_only:
        statement = statement.where(AuditEntry.actor_id == bindparam("actor_id"))
    return statement
