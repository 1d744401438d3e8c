"""URL converters shared by every route."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

# Ids are 32-bit integers in the database. A larger number is no row at all, and
# would overflow the SQLite driver; a URL carrying one simply matches no route (404).
MAX_DATABASE_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` limited to what an id column can hold."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)
