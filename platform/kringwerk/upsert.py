"""One upsert for SQLite and PostgreSQL: INSERT ... ON CONFLICT DO UPDATE through each dialect's construct.

    upsert(
        PollTally,
        rows,
        index_elements=["tenant_id", "question_id", "bucket"],
        set_={"count": lambda excluded: PollTally.count + excluded.count},
    )

``rows`` are dicts with the same keys; they are written in the order given
(sort them when concurrent writers must lock rows in one order), as one
multi-row statement per chunk that stays inside the databases' limits on bound
parameters. ``index_elements`` name the columns of the unique key that may
conflict. ``set_`` maps a column to what it becomes on a conflict: a value, an
SQL expression, or a function of ``excluded`` (the row that could not be
inserted); without ``set_`` a conflicting row is left as it is (DO NOTHING).

It runs through the session, so the tenant wall applies: every row names the
tenant in scope (``tenancy.scoping``), and ``set_`` cannot change ``tenant_id``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite

from kringwerk.extensions import db

# Bound parameters per statement: SQLite allows 32766 and PostgreSQL 65535.
MAX_PARAMETERS = 30_000

_CONSTRUCTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def upsert(
    target,
    rows: Iterable[Mapping[str, Any]],
    *,
    index_elements: Sequence[Any],
    set_: Mapping[str, Any | Callable[[Any], Any]] | None = None,
    session=None,
) -> None:
    """Insert ``rows`` into ``target`` (a model or a Table), updating ``set_`` where
    a row with the same ``index_elements`` exists already."""
    rows = [dict(row) for row in rows]
    if not rows:
        return
    if any(row.keys() != rows[0].keys() for row in rows):
        raise ValueError("upsert: every row needs the same keys (one multi-row VALUES)")
    session = session if session is not None else db.session
    insert = _construct(session, target)
    size = max(1, MAX_PARAMETERS // max(1, len(rows[0])))
    for start in range(0, len(rows), size):
        statement = insert(target).values(rows[start : start + size])
        if set_:
            excluded = statement.excluded
            statement = statement.on_conflict_do_update(
                index_elements=index_elements,
                set_={
                    column: value(excluded) if callable(value) else value for column, value in set_.items()
                },
            )
        else:
            statement = statement.on_conflict_do_nothing(index_elements=index_elements)
        session.execute(statement)


def _construct(session, target):
    mapper = inspect(target, raiseerr=False)
    if getattr(mapper, "is_mapper", False):
        bind = session.get_bind(mapper=mapper)
    else:
        bind = session.get_bind(clause=target)
    name = bind.dialect.name
    if name not in _CONSTRUCTS:
        raise NotImplementedError(f"upsert speaks SQLite and PostgreSQL, not {name}")
    return _CONSTRUCTS[name]
