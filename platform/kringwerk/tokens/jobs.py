"""Forget personal links that can no longer open anything.

An expired or revoked token resolves to nothing (``services.resolve``), so its row
only keeps a trace of a person's link. After ``DEAD_TOKEN_RETENTION`` it goes: long
enough to read back when a link stopped working, short enough to keep no more than
the links need (AVG data minimisation).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_

from kringwerk.extensions import db, utcnow
from kringwerk.tenancy.context import unscoped
from kringwerk.tokens.models import PersonalToken

DEAD_TOKEN_RETENTION = timedelta(days=30)


def prune_dead_tokens() -> int:
    """Periodic (platform): delete tokens expired or revoked longer than the retention ago,
    in every tenant; returns how many."""
    cutoff = utcnow() - DEAD_TOKEN_RETENTION
    with unscoped("housekeeping: forget personal links of every tenant that died a month ago"):
        result = db.session.execute(
            delete(PersonalToken)
            .where(or_(PersonalToken.expires_at < cutoff, PersonalToken.revoked_at < cutoff))
            .execution_options(synchronize_session=False)
        )
    return result.rowcount or 0
