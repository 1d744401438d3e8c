"""Business rules for the groupings companies belong to: business parks, circles
and themes (their order, activation and keys).

As in ``services``: everything works in the tenant in scope, records the
actor's changes in the audit trail, and leaves the commit to the caller.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from kringwerk.audit.services import record
from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark, Circle, Company, Theme
from kringwerk.members.services import (
    MembersError,
    _check_lengths,
    _clean_text,
    _refused_by_database,
)

# --- business parks and circles ----------------------------------------------------------

_NAMED_FIELDS = {BusinessPark: ("name", "municipality", "description"), Circle: ("name", "description")}


def _clean_named(model, values: Mapping[str, Any], current=None) -> dict[str, Any]:
    fields = _NAMED_FIELDS[model]
    unknown = set(values) - set(fields)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    cleaned = {
        field: ((str(value).strip() or None) if value else None)
        if field == "description"
        else _clean_text(value)
        for field, value in values.items()
    }
    errors: dict[str | None, Any] = {}
    if not cleaned.get("name"):
        errors["name"] = _l("Enter a name.")
    else:
        statement = select(model).where(func.lower(model.name) == cleaned["name"].lower())
        if current is not None:
            statement = statement.where(model.id != current.id)
        if db.session.scalar(statement) is not None:
            errors["name"] = (
                _l("There is already a business park called “%(name)s”.", name=cleaned["name"])
                if model is BusinessPark
                else _l("There is already a circle called “%(name)s”.", name=cleaned["name"])
            )
    _check_lengths(model, cleaned, errors)
    if errors:
        raise MembersError(errors=errors)
    return cleaned


def _changed(obj, cleaned: Mapping[str, Any]) -> list[str]:
    return [field for field, value in cleaned.items() if getattr(obj, field) != value]


def create_park(values: Mapping[str, Any], *, actor) -> BusinessPark:
    park = BusinessPark(**_clean_named(BusinessPark, values))
    db.session.add(park)
    with _refused_by_database("name", _l("This name is already in use.")):
        db.session.flush()
    record("park.created", actor=actor, target=park)
    return park


def update_park(park: BusinessPark, values: Mapping[str, Any], *, actor) -> BusinessPark:
    cleaned = _clean_named(BusinessPark, values, park)
    changed = _changed(park, cleaned)
    for field, value in cleaned.items():
        setattr(park, field, value)
    with _refused_by_database("name", _l("This name is already in use.")):
        db.session.flush()
    record("park.updated", actor=actor, target=park, details={"changed": changed})
    return park


def companies_on_park(park: BusinessPark) -> int:
    return db.session.scalar(select(func.count(Company.id)).where(Company.business_park_id == park.id))


def delete_park(park: BusinessPark, *, actor) -> int:
    """Delete the park; its companies stay, without a park. Returns how many there were."""
    # The composite (tenant_id, business_park_id) key cannot SET NULL on its own:
    # nulling tenant_id too would break the row, so the service clears the reference.
    result = db.session.execute(
        update(Company)
        .where(Company.business_park_id == park.id)
        .values(business_park_id=None)
        .execution_options(synchronize_session="fetch")
    )
    record("park.deleted", actor=actor, target=park, details={"companies": result.rowcount})
    db.session.delete(park)
    db.session.flush()
    return result.rowcount


def create_circle(values: Mapping[str, Any], *, actor) -> Circle:
    circle = Circle(**_clean_named(Circle, values))
    db.session.add(circle)
    with _refused_by_database("name", _l("This name is already in use.")):
        db.session.flush()
    record("circle.created", actor=actor, target=circle)
    return circle


def update_circle(circle: Circle, values: Mapping[str, Any], *, actor) -> Circle:
    cleaned = _clean_named(Circle, values, circle)
    changed = _changed(circle, cleaned)
    for field, value in cleaned.items():
        setattr(circle, field, value)
    with _refused_by_database("name", _l("This name is already in use.")):
        db.session.flush()
    record("circle.updated", actor=actor, target=circle, details={"changed": changed})
    return circle


def companies_in_circle(circle: Circle) -> int:
    return db.session.scalar(
        select(func.count(Company.id)).where(Company.circles.any(Circle.id == circle.id))
    )


def delete_circle(circle: Circle, *, actor) -> int:
    """Delete the circle and its links to companies (the companies stay)."""
    members = db.session.scalars(
        select(Company)
        .where(Company.circles.any(Circle.id == circle.id))
        .options(selectinload(Company.circles))
    ).all()
    for company in members:
        company.circles.remove(circle)
    record("circle.deleted", actor=actor, target=circle, details={"companies": len(members)})
    db.session.delete(circle)
    db.session.flush()
    return len(members)


# --- themes -------------------------------------------------------------------------------


THEME_FIELDS = ("name_nl", "name_en", "description_nl", "description_en")


def slugify(text: str, max_length: int = 64) -> str:
    """``"Welzijn & leefomgeving"`` -> ``"welzijn-leefomgeving"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "thema"


def _clean_theme(values: Mapping[str, Any], current: Theme | None = None) -> dict[str, Any]:
    unknown = set(values) - set(THEME_FIELDS)
    if unknown:
        raise ValueError(f"unknown theme fields: {sorted(unknown)}")
    cleaned = {
        field: ((str(value).strip() or None) if value else None)
        if field.startswith("description")
        else _clean_text(value)
        for field, value in values.items()
    }
    errors: dict[str | None, Any] = {}
    if not cleaned.get("name_nl"):
        errors["name_nl"] = _l("Enter the Dutch name.")
    else:
        if not cleaned.get("name_en"):
            # Better a Dutch name on the English pages than an empty one.
            cleaned["name_en"] = cleaned["name_nl"]
        statement = select(Theme).where(func.lower(Theme.name_nl) == cleaned["name_nl"].lower())
        if current is not None:
            statement = statement.where(Theme.id != current.id)
        if db.session.scalar(statement) is not None:
            errors["name_nl"] = _l("There is already a theme called “%(name)s”.", name=cleaned["name_nl"])
    _check_lengths(Theme, cleaned, errors)
    if errors:
        raise MembersError(errors=errors)
    return cleaned


def _free_theme_key(name: str) -> str:
    base = slugify(name, 60)
    taken = set(db.session.scalars(select(Theme.key).where(Theme.key.startswith(base))))
    key, number = base, 2
    while key in taken:
        key = f"{base}-{number}"
        number += 1
    return key


def create_theme(values: Mapping[str, Any], *, actor) -> Theme:
    """Add a theme at the end of the list; its key is made from the Dutch name."""
    cleaned = _clean_theme(values)
    last = db.session.scalar(select(func.max(Theme.position))) or 0
    theme = Theme(key=_free_theme_key(cleaned["name_nl"]), position=last + 1, active=True, **cleaned)
    db.session.add(theme)
    db.session.flush()
    record("theme.created", actor=actor, target=theme, details={"key": theme.key})
    return theme


def update_theme(theme: Theme, values: Mapping[str, Any], *, actor) -> Theme:
    """Change names and descriptions; the key stays, other modules refer to it."""
    cleaned = _clean_theme(values, theme)
    changed = _changed(theme, cleaned)
    for field, value in cleaned.items():
        setattr(theme, field, value)
    db.session.flush()
    record("theme.updated", actor=actor, target=theme, details={"changed": changed})
    return theme


def set_theme_active(theme: Theme, active: bool, *, actor) -> Theme:
    """Switch a theme off or on again. Themes are never deleted: polls, events and
    masterplans keep referring to them."""
    if theme.active != active:
        theme.active = active
        db.session.flush()
        record("theme.reactivated" if active else "theme.deactivated", actor=actor, target=theme)
    return theme


def ordered_themes(*, active_only: bool = False) -> list[Theme]:
    statement = select(Theme).order_by(Theme.position, Theme.id)
    if active_only:
        statement = statement.where(Theme.active)
    return list(db.session.scalars(statement))


def move_theme(theme: Theme, direction: str, *, actor) -> bool:
    """Move a theme one place ``"up"`` or ``"down"``; False when it is already at that end."""
    if direction not in ("up", "down"):
        raise MembersError(_l("Choose up or down."), "direction")
    themes = ordered_themes()
    index = themes.index(theme)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(themes):
        return False
    themes[index], themes[other] = themes[other], themes[index]
    # Renumber the whole list: seeded and added themes may share or skip positions.
    for position, item in enumerate(themes, start=1):
        item.position = position
    db.session.flush()
    record(
        "theme.reordered",
        actor=actor,
        target=theme,
        details={"direction": direction, "position": theme.position},
    )
    return True
