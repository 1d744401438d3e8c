"""Issue, resolve and revoke personal tokens in the tenant in scope.

Every query runs under the tenant wall (the ORM filter and, on PostgreSQL,
row-level security), so a token issued in one tenant never resolves in
another. Raw tokens are returned to the caller for the link and never stored
or logged here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, select, update

from kringwerk.extensions import db, utcnow
from kringwerk.tenancy.context import TenantScopeError, current_tenant_id
from kringwerk.tokens.models import PersonalToken
from kringwerk.tokens.primitives import hash_token, new_token


def issue(
    purpose: str,
    subject_id: int,
    *,
    expires_at: datetime | None = None,
    ttl: timedelta | None = None,
) -> str:
    """A new random token (secrets.token_urlsafe) for ``subject_id`` under ``purpose`` in the
    tenant in scope; only its SHA-256 is stored. Returns the raw token for the link.

    Give ``expires_at`` or ``ttl`` (not both); with neither the token lives until revoked.
    """
    if current_tenant_id() is None:
        raise TenantScopeError("a personal token belongs to a tenant; issue it inside tenant_scope()")
    if expires_at is not None and ttl is not None:
        raise ValueError("give expires_at or ttl, not both")
    if ttl is not None:
        expires_at = utcnow() + ttl
    raw, digest = new_token()
    db.session.add(
        PersonalToken(purpose=purpose, subject_id=subject_id, token_hash=digest, expires_at=expires_at)
    )
    return raw


def resolve(purpose: str, raw: str, *, single_use: bool = False) -> PersonalToken | None:
    """The live token in the tenant in scope: None when unknown, of another purpose or tenant,
    expired or revoked (and, with ``single_use``, already used).

    The lookup is by hash, so no comparison of the secret leaks its prefix through timing.
    """
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(select(PersonalToken).where(PersonalToken.token_hash == hash_token(raw)))
    if token is None or token.purpose != purpose or not token.is_live():
        return None
    if single_use and token.used_at is not None:
        return None
    return token


def live_tokens(purpose: str, subject_id: int) -> list[PersonalToken]:
    """The subject's live tokens under ``purpose``, oldest first."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(PersonalToken)
            .where(PersonalToken.purpose == purpose, PersonalToken.subject_id == subject_id)
            .where(PersonalToken.revoked_at.is_(None))
            .where(PersonalToken.expires_at.is_(None) | (PersonalToken.expires_at > now))
            .order_by(PersonalToken.id)
        )
    )


def revoke(purpose: str, subject_id: int) -> int:
    """Revoke every live token of the subject under ``purpose``; returns how many."""
    now = utcnow()
    result = db.session.execute(
        update(PersonalToken)
        .where(PersonalToken.purpose == purpose, PersonalToken.subject_id == subject_id)
        .where(PersonalToken.revoked_at.is_(None))
        .where(PersonalToken.expires_at.is_(None) | (PersonalToken.expires_at > now))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def delete_tokens(purpose: str, subject_ids: Iterable[int] | Select) -> int:
    """Delete the tokens of subjects that are deleted themselves; returns how many.

    A purpose whose rows go away calls this in the same transaction, so a token
    never outlives its subject (SQLite may hand a deleted row's id to the next one).
    """
    if not isinstance(subject_ids, Select):
        subject_ids = list(subject_ids)
        if not subject_ids:
            return 0
    result = db.session.execute(
        delete(PersonalToken)
        .where(PersonalToken.purpose == purpose, PersonalToken.subject_id.in_(subject_ids))
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def mark_used(token: PersonalToken) -> None:
    """Record the first use (single-use purposes check ``used_at`` or resolve with ``single_use``)."""
    if token.used_at is None:
        token.used_at = utcnow()
