"""Business rules for members: companies, parks, circles and themes."""

from __future__ import annotations

from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.members.models import Theme
from kringwerk.members.themes import DEFAULT_THEMES


def seed_default_themes() -> list[Theme]:
    """Add the default themes the tenant in scope does not have yet (by key)."""
    existing = set(db.session.scalars(select(Theme.key)))
    added = []
    for position, (key, name_nl, name_en) in enumerate(DEFAULT_THEMES, start=1):
        if key not in existing:
            theme = Theme(key=key, name_nl=name_nl, name_en=name_en, position=position)
            db.session.add(theme)
            added.append(theme)
    return added
