"""Pagination of ORM selects: one COUNT and one page of rows, whatever the size."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

from flask import current_app, request
from sqlalchemy import Select, func, select

from kringwerk.extensions import db


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
    number = number or requested_page()
    per_page = per_page or current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    pages = max(1, ceil(total / per_page))
    number = min(number, pages)
    paged = statement.limit(per_page).offset((number - 1) * per_page)
    result = db.session.scalars(paged) if scalars else db.session.execute(paged)
    return Page(
        items=list(result.unique() if scalars else result), number=number, per_page=per_page, total=total
    )
