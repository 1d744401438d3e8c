"""The member directory's query: companies filtered by a search, a park, a
circle, a sector or a theme, and the sectors in use for its filter."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from kringwerk.extensions import db
from kringwerk.members.models import Circle, Company, ContactPerson, Theme


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


def directory_query(filters: DirectoryFilters) -> Select:
    """Companies matching ``filters``, by name, with what a list shows loaded in a
    fixed number of queries whatever the number of rows."""
    statement = select(Company).order_by(func.lower(Company.name), Company.id)
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
    return statement.options(
        selectinload(Company.business_park),
        selectinload(Company.circles),
        selectinload(Company.themes),
    )


def sectors() -> list[str]:
    """The sectors companies of the tenant in scope use, for the directory filter."""
    return list(
        db.session.scalars(
            select(Company.sector).where(Company.sector.is_not(None)).distinct().order_by(Company.sector)
        )
    )
