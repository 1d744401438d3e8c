"""The twelve default themes every tenant starts with (see GLOSSARY.md), and
seeding them into a tenant."""

from __future__ import annotations

from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.members.models import Theme

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
