"""Column types shared by all models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A point in time stored as UTC and always handed back timezone-aware.

    SQLite keeps no offsets, so values are normalised to naive UTC on the way in
    and marked UTC on the way out; PostgreSQL gets the same naive UTC column so
    both databases hold identical data.
    """

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column; use kringwerk.extensions.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def json_type():
    """JSON on SQLite, JSONB on PostgreSQL."""
    from sqlalchemy import JSON
    from sqlalchemy.dialects.postgresql import JSONB

    return JSON().with_variant(JSONB(), "postgresql")
