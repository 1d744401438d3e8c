"""The member directory's queries: companies filtered by a search, a park, a
circle, a sector or a theme; the directory page's rows; the choices of its filter.

The page reads only what it shows, in a fixed number of statements whatever the
number of companies (issue 15): the choices of the four filters in one
statement, a page of rows with its business park and the total in one
(``web.pagination``), and the page's circles and themes in one. The two union
statements are built once per process and language (they hold no tenant; the
tenant wall adds it to each execution). The CSV export and the panel keep
``directory_query``, which loads whole companies. Between two writes the view keeps the
choices, what the form makes of the filter arguments and the page's HTML (per person,
filters and page), so these statements run only when a page is built anew.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from sqlalchemy import CompoundSelect, Select, bindparam, func, literal_column, null, or_, select, union_all
from sqlalchemy.orm import selectinload

from kringwerk.extensions import db
from kringwerk.members.models import (
    BusinessPark,
    Circle,
    Company,
    ContactPerson,
    Theme,
    company_circles,
    company_themes,
)


@dataclass(frozen=True)
class DirectoryFilters:
    q: str = ""
    park_id: int | None = None
    circle_id: int | None = None
    sector: str | None = None
    theme_id: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.q or self.park_id or self.circle_id or self.sector or self.theme_id)

    def arguments(self) -> dict[str, str]:
        """The query arguments that give these filters (for links, and the form's data)."""
        values = {
            "q": self.q,
            "park": self.park_id,
            "circle": self.circle_id,
            "sector": self.sector,
            "theme": self.theme_id,
        }
        return {name: str(value) for name, value in values.items() if value}


# The query arguments the directory's filter form reads, in the order of its fields.
FILTER_ARGUMENTS = ("q", "park", "circle", "sector", "theme")


def _filtered(statement: Select, filters: DirectoryFilters) -> Select:
    """``statement`` (a select from companies) limited to the companies matching ``filters``."""
    q = (filters.q or "").strip()
    if q:
        conditions = [
            Company.name.icontains(q, autoescape=True),
            Company.city.icontains(q, autoescape=True),
            Company.contacts.any(ContactPerson.name.icontains(q, autoescape=True)),
        ]
        digits = re.sub(r"[\s.]", "", q)
        if digits.isdigit():
            conditions.append(Company.kvk_number.contains(digits, autoescape=True))
        statement = statement.where(or_(*conditions))
    if filters.park_id:
        statement = statement.where(Company.business_park_id == filters.park_id)
    if filters.circle_id:
        statement = statement.where(Company.circles.any(Circle.id == filters.circle_id))
    if filters.sector:
        statement = statement.where(Company.sector == filters.sector)
    if filters.theme_id:
        statement = statement.where(Company.themes.any(Theme.id == filters.theme_id))
    return statement


def directory_query(filters: DirectoryFilters) -> Select:
    """Companies matching ``filters``, by name, with what a list shows loaded in a
    fixed number of queries whatever the number of rows."""
    statement = _filtered(select(Company).order_by(func.lower(Company.name), Company.id), filters)
    return statement.options(
        selectinload(Company.business_park),
        selectinload(Company.circles),
        selectinload(Company.themes),
    )


# --- the directory page -----------------------------------------------------------------------


class DirectoryRow(NamedTuple):
    """One company as the directory page shows it (a tuple: cheap to make per row)."""

    id: int
    name: str
    kvk_number: str | None
    city: str | None
    sector: str | None
    park: str | None
    circles: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()


def directory_rows_query(filters: DirectoryFilters) -> Select:
    """The columns of the companies matching ``filters`` the page shows, with the name
    of their business park, in the order of ``directory_query``; for ``paginate``
    with ``scalars=False``, then ``with_groupings``."""
    statement = (
        select(
            Company.id,
            Company.name,
            Company.kvk_number,
            Company.city,
            Company.sector,
            BusinessPark.name.label("park"),
        )
        .outerjoin(Company.business_park)
        .order_by(func.lower(Company.name), Company.id)
    )
    return _filtered(statement, filters)


# Which grouping a row of ``with_groupings``' statement names.
_CIRCLE, _THEME = 1, 2


def with_groupings(rows) -> list[DirectoryRow]:
    """``rows`` of ``directory_rows_query`` with their circles (by name) and themes (in
    the tenant's order), read in one statement for the whole page."""
    ids = [row.id for row in rows]
    names: dict[tuple[int, int], list[str]] = {}
    if ids:
        statement = _groupings_statement(Theme.name_column().key)
        for company_id, kind, label, *_order in db.session.execute(statement, {"ids": ids}):
            names.setdefault((company_id, kind), []).append(label)
    return [
        DirectoryRow(
            *row,
            circles=tuple(names.get((row.id, _CIRCLE), ())),
            themes=tuple(names.get((row.id, _THEME), ())),
        )
        for row in rows
    ]


@cache
def _groupings_statement(theme_name: str) -> CompoundSelect:
    """The circles and themes of the companies ``ids`` (a parameter), with the themes'
    ``theme_name`` column. Built once per process and language: it holds no tenant (the
    tenant wall adds it to every execution) and building it cost a fifth of running it."""
    ids = bindparam("ids", expanding=True)
    # From the link tables: their rows share the company's tenant (composite keys), the
    # circles and themes are held to the tenant in scope, and the tenant in the join
    # lets the link's primary key (tenant_id, company_id, ...) find the rows.
    circles = (
        select(
            company_circles.c.company_id.label("company_id"),
            literal_column(str(_CIRCLE)).label("kind"),
            Circle.name.label("label"),
            Circle.name.label("sort"),
            literal_column("0").label("position"),
            Circle.id.label("id"),
        )
        .join(
            Circle,
            (Circle.id == company_circles.c.circle_id) & (Circle.tenant_id == company_circles.c.tenant_id),
        )
        .where(company_circles.c.company_id.in_(ids))
    )
    themes = (
        select(
            company_themes.c.company_id,
            literal_column(str(_THEME)),
            getattr(Theme, theme_name),
            literal_column("''"),
            Theme.position,
            Theme.id,
        )
        .join(
            Theme,
            (Theme.id == company_themes.c.theme_id) & (Theme.tenant_id == company_themes.c.tenant_id),
        )
        .where(company_themes.c.company_id.in_(ids))
    )
    both = union_all(circles, themes)
    c = both.selected_columns
    return both.order_by(c.company_id, c.kind, c.sort, c.position, c.id)


# --- the filter's choices ---------------------------------------------------------------------


@dataclass(frozen=True)
class FilterChoices:
    """The directory filter's options as (id, name) pairs, and the sectors in use."""

    parks: list[tuple[int, str]]
    circles: list[tuple[int, str]]
    themes: list[tuple[int, str]]
    sectors: list[str]


_PARK, _CIRCLE_CHOICE, _THEME_CHOICE, _SECTOR = 1, 2, 3, 4


def filter_choices() -> FilterChoices:
    """The tenant's business parks and circles (by name, ignoring case), its active
    themes (in its order) and the sectors its companies use, in one statement."""
    found: dict[int, list] = {_PARK: [], _CIRCLE_CHOICE: [], _THEME_CHOICE: [], _SECTOR: []}
    for kind, id_, label, *_order in db.session.execute(_choices_statement(Theme.name_column().key)):
        found[kind].append(label if kind == _SECTOR else (id_, label))
    return FilterChoices(
        parks=found[_PARK], circles=found[_CIRCLE_CHOICE], themes=found[_THEME_CHOICE], sectors=found[_SECTOR]
    )


@cache
def _choices_statement(theme_name: str) -> CompoundSelect:
    """The filter's options, themes named by their ``theme_name`` column; built once per
    process and language like ``_groupings_statement``, for the same reasons."""

    def kind(value: int):
        return literal_column(str(value))

    zero = literal_column("0")
    parks = select(
        kind(_PARK).label("kind"),
        BusinessPark.id.label("id"),
        BusinessPark.name.label("label"),
        func.lower(BusinessPark.name).label("sort"),
        zero.label("position"),
    )
    circles = select(kind(_CIRCLE_CHOICE), Circle.id, Circle.name, func.lower(Circle.name), zero)
    themes = select(
        kind(_THEME_CHOICE), Theme.id, getattr(Theme, theme_name), literal_column("''"), Theme.position
    ).where(Theme.active)
    used = (
        select(kind(_SECTOR), null(), Company.sector, Company.sector, zero)
        .where(Company.sector.is_not(None))
        .group_by(Company.sector)
    )
    everything = union_all(parks, circles, themes, used)
    c = everything.selected_columns
    return everything.order_by(c.kind, c.sort, c.position, c.id)


def sectors() -> list[str]:
    """The sectors companies of the tenant in scope use, for the directory filter."""
    return list(
        db.session.scalars(
            select(Company.sector).where(Company.sector.is_not(None)).distinct().order_by(Company.sector)
        )
    )
