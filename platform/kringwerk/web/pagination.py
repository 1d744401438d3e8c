"""Pagination of ORM selects: one page of rows and the number of rows in all.

Usually one statement: the page's rows carry the total as a window count
(``count(*) OVER ()``, computed after WHERE, GROUP BY and HAVING, so it counts
exactly the rows the listing has). A separate ``COUNT`` is only needed past the
last page (a stale link: then the last page is shown, as before) and for
``DISTINCT`` selects, whose window would count the rows before de-duplication;
that count drops the ordering and, where the select has no grouping, counts the
same FROM and WHERE directly instead of wrapping the listing in a subquery.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

from flask import current_app, request
from sqlalchemy import Select, func, select

from kringwerk.extensions import db

# The window column's label; unlikely to meet a column of the listing itself.
TOTAL = "kringwerk_page_total"


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def requested_page() -> int:
    """The ``page`` query argument; anything odd falls back to page 1."""
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def paginate(
    statement: Select, number: int | None = None, per_page: int | None = None, *, scalars: bool = True
) -> Page:
    """Page ``number`` (the ``page`` argument by default) of ``statement``'s rows.

    ``scalars``: the items are the first column's objects (ORM entities, made unique
    as joined eager loads need); otherwise the rows as the select returns them.
    A page past the last one shows the last page.
    """
    number = number or requested_page()
    per_page = per_page or current_app.config["PAGE_SIZE"]
    if not _window_counts(statement):
        total = count_rows(statement)
        number = min(number, _pages(total, per_page))
        items = _rows(statement, number, per_page, scalars)
        return Page(items=items, number=number, per_page=per_page, total=total)
    items, total = _rows_and_total(statement, number, per_page, scalars)
    if total is None:
        # Nothing on this page: an empty listing, or a page past the last one.
        total = 0 if number == 1 else count_rows(statement)
        if total:
            number = _pages(total, per_page)
            items, _total = _rows_and_total(statement, number, per_page, scalars)
        else:
            number, items = 1, []
    return Page(items=items, number=number, per_page=per_page, total=total)


def count_rows(statement: Select) -> int:
    """The number of rows ``statement`` returns, in one ``COUNT`` without its ordering."""
    if _plain(statement) and not _grouped(statement):
        # Same FROM, joins and WHERE; the count replaces the columns (and the
        # loader options of ORM entities, which have nothing left to load).
        count = statement.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    else:
        count = select(func.count()).select_from(statement.order_by(None).subquery())
    return db.session.scalar(count) or 0


def _pages(total: int, per_page: int) -> int:
    return max(1, ceil(total / per_page))


def _plain(statement: Select) -> bool:
    """No DISTINCT and no LIMIT/OFFSET of its own. Unknown attributes (another
    SQLAlchemy) answer False: the caller then takes the general path."""
    return (
        isinstance(statement, Select)
        and getattr(statement, "_distinct", True) is False
        and not getattr(statement, "_distinct_on", True)
        and getattr(statement, "_limit_clause", True) is None
        and getattr(statement, "_offset_clause", True) is None
        and getattr(statement, "_fetch_clause", True) is None
    )


def _grouped(statement: Select) -> bool:
    return bool(getattr(statement, "_group_by_clauses", True)) or bool(
        getattr(statement, "_having_criteria", True)
    )


def _window_counts(statement: Select) -> bool:
    # Without DISTINCT a window count over the result equals a count of its rows.
    return _plain(statement)


def _page_of(statement: Select, number: int, per_page: int) -> Select:
    return statement.limit(per_page).offset((number - 1) * per_page)


def _rows(statement: Select, number: int, per_page: int, scalars: bool) -> list:
    paged = _page_of(statement, number, per_page)
    if scalars:
        return list(db.session.scalars(paged).unique())
    return list(db.session.execute(paged))


def _first_of_each(rows) -> list:
    """The rows' first objects, each once (as ``scalars().unique()`` gives them)."""
    seen: set = set()
    items = []
    for row in rows:
        item = row[0]
        # Mapped objects by identity, as the ORM makes them unique; other values by value.
        key = id(item) if hasattr(item, "_sa_instance_state") else item
        if key not in seen:
            seen.add(key)
            items.append(item)
    return items


def _rows_and_total(statement: Select, number: int, per_page: int, scalars: bool) -> tuple[list, int | None]:
    """The page's items and the total from their window column (None without rows)."""
    paged = _page_of(statement.add_columns(func.count().over().label(TOTAL)), number, per_page)
    result = db.session.execute(paged)
    if scalars:
        rows = result.unique().all()
        return _first_of_each(rows), (rows[0][-1] if rows else None)
    # Give the caller the rows as its own select shapes them, without the window column.
    frozen = result.freeze()
    rows = frozen().all()
    if not rows:
        return [], None
    width = len(rows[0]) - 1
    return frozen().columns(*range(width)).all(), rows[0][-1]
