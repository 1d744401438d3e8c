"""The twelve default themes every tenant starts with (see GLOSSARY.md), seeding them into
a tenant, and the tenant's themes as plain values for the pages that list them (in a
request from the process cache, renewed by any change to ``themes``)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.members.models import Theme, _language
from kringwerk.tenancy import cache as process_cache
from kringwerk.tenancy.context import tenant_scope

DEFAULT_THEMES: tuple[tuple[str, str, str], ...] = (
    # key, Dutch name, English name
    ("energie", "Energie", "Energy"),
    ("materialen", "Materialen", "Materials"),
    ("ruimtegebruik", "Ruimtegebruik", "Land use"),
    ("welzijn-leefomgeving", "Welzijn en leefomgeving", "Wellbeing and living environment"),
    ("vestigingsklimaat", "Vestigingsklimaat", "Business climate"),
    ("bereikbaarheid", "Bereikbaarheid", "Accessibility"),
    ("veiligheid", "Veiligheid", "Safety"),
    ("arbeidsmarkt", "Arbeidsmarkt", "Labour market"),
    ("digitalisering", "Digitalisering", "Digitalisation"),
    ("circulariteit", "Circulariteit", "Circularity"),
    ("klimaatadaptatie", "Klimaatadaptatie", "Climate adaptation"),
    ("mobiliteit", "Mobiliteit", "Mobility"),
)


def seed_default_themes() -> list[Theme]:
    """Add the default themes the tenant in scope does not have yet (by key).

    Idempotent: a theme the tenant renamed or switched off keeps its key and is
    not added again.
    """
    existing = set(db.session.scalars(select(Theme.key)))
    added = []
    for position, (key, name_nl, name_en) in enumerate(DEFAULT_THEMES, start=1):
        if key not in existing:
            theme = Theme(key=key, name_nl=name_nl, name_en=name_en, position=position)
            db.session.add(theme)
            added.append(theme)
    return added


@dataclass(frozen=True, slots=True)
class ThemeRow:
    """A theme as plain values, to keep across requests (never an ORM object)."""

    id: int
    key: str
    name_nl: str
    name_en: str
    position: int
    active: bool

    @property
    def name(self) -> str:
        """The name in the language of the current request (Dutch outside one)."""
        return self.name_en if _language() == "en" else self.name_nl


@functools.cache
def _rows_statement():
    return select(Theme.id, Theme.key, Theme.name_nl, Theme.name_en, Theme.position, Theme.active).order_by(
        Theme.position, Theme.id
    )


def tenant_themes(tenant) -> tuple[ThemeRow, ...]:
    """All of ``tenant``'s themes, active or not, in the taxonomy's order (position, id)."""
    generation = process_cache.current()
    if generation is None:
        return _read_themes(tenant)
    cache_key = ("themes", tenant.id)
    rows = generation.get(cache_key)
    if rows is None:
        rows = _read_themes(tenant)
        # Not if the query's autoflush wrote a theme change of this request (it left the cache).
        if process_cache.current() is generation:
            generation.put(cache_key, rows)
    return rows


def active_themes(tenant) -> tuple[ThemeRow, ...]:
    """``tenant``'s active themes in the taxonomy's order, as plain values."""
    return tuple(row for row in tenant_themes(tenant) if row.active)


def _read_themes(tenant) -> tuple[ThemeRow, ...]:
    with tenant_scope(tenant):
        return tuple(ThemeRow(*row) for row in db.session.execute(_rows_statement()))
