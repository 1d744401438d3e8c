"""The change log in words for the history page: what changed (a translated label for the
entity and each field), and the values as the reader reads them: enum values as their
labels, money in euros and numbers with the reader's decimal sign, dates in the reader's
language, themes, companies, contact persons, circles and parks by name.

The log keeps plain JSON (``changes.plain``: ISO dates, decimal strings, enum values,
ids); everything here is read defensively, and a key it does not know is shown as it is
(tidied), so a change logged by a newer module still reads.

Names are looked up once per page (``Lookups.load``: a statement per kind of name in
use, never one per row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import format_currency, format_date, format_decimal, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import BusinessPark, Circle, Company, ContactPerson, Theme, db
from plugins.masterplan.models import (
    Funding,
    Goal,
    Item,
    ItemKind,
    Masterplan,
    PlanStatus,
    PriorityRound,
    Project,
    ProjectStatus,
    Scope,
)

EMPTY = "–"

ENTITIES = {
    "plan": _l("Masterplan"),
    "theme": _l("Theme text"),
    "wish": _l("Wish"),
    "challenge": _l("Challenge"),
    "support": _l("Support for a wish or challenge"),
    "project": _l("Project"),
    "goal": _l("Goal"),
    "measurement": _l("Measurement"),
    "round": _l("Priority round"),
    "version": _l("Published version"),
    "park_plan": _l("Implementation plan of a park"),
    "park_step": _l("Step of the implementation plan"),
    "park_document": _l("Document of a step"),
}

ACTIONS = {
    "created": _l("added"),
    "updated": _l("changed"),
    "deleted": _l("removed"),
    "closed": _l("closed"),
    "published": _l("published"),
    "started": _l("started"),
}

FIELDS = {
    "title": _l("Title"),
    "scope": _l("The plan is for"),
    "circle_id": _l("Circle"),
    "business_park_id": _l("Business park"),
    "ambition": _l("Ambition"),
    "status": _l("Status"),
    "owners": _l("Owners"),
    "current_situation": _l("Current situation"),
    "theme": _l("Theme"),
    "theme_id": _l("Theme"),
    "kind": _l("Kind"),
    "text": _l("Text"),
    "description": _l("Description"),
    "owner_company_id": _l("Owner (company)"),
    "owner_contact_id": _l("Owner (person)"),
    "partners": _l("Partners"),
    "interested_company_ids": _l("Interested companies"),
    "budget": _l("Budget"),
    "funding": _l("Funding"),
    "funding_name": _l("Name of the subsidy"),
    "starts_on": _l("Starts on"),
    "ends_on": _l("Ends on"),
    "milestones": _l("Milestones"),
    "source": _l("Source"),
    "unit": _l("Unit"),
    "baseline": _l("Baseline"),
    "target": _l("Target value"),
    "deadline": _l("Deadline"),
    "measured_on": _l("Measured on"),
    "value": _l("Value"),
    "note": _l("Note"),
    "opens_on": _l("Opens on"),
    "closes_on": _l("Closes on"),
    "points_per_member": _l("Points per member"),
    "result": _l("Result"),
    "seeded_from": _l("Starting order from"),
    "label": _l("Name of the version"),
    "adopted_on": _l("Adopted on"),
    "goals": _l("Goals"),
    "projects": _l("Projects"),
    "events": _l("Linked events"),
    "network goal": _l("Network goal"),
    "step": _l("Step of the plan"),
    "file": _l("File"),
    "state": _l("State of the step"),
}

DATES = {"starts_on", "ends_on", "deadline", "measured_on", "opens_on", "closes_on", "adopted_on"}
NUMBERS = {"baseline", "target", "value", "points_per_member"}
ENUMS = {"scope": Scope, "funding": Funding, "kind": ItemKind}
STATUSES = {"plan": PlanStatus, "project": ProjectStatus}


def tidy(key) -> str:
    """A key nobody gave a label, readable: ``owner_name`` -> ``Owner name``."""
    text = str(key).replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else EMPTY


def entity_label(entity) -> str:
    return str(ENTITIES.get(entity) or tidy(entity))


def action_label(action) -> str:
    return str(ACTIONS.get(action) or tidy(action).lower())


def field_label(key) -> str:
    return str(FIELDS.get(key) or tidy(key))


@dataclass
class Lookups:
    """Names by id (and themes by key) for the values on one page of the history."""

    themes: dict = field(default_factory=dict)
    theme_keys: dict = field(default_factory=dict)
    companies: dict = field(default_factory=dict)
    contacts: dict = field(default_factory=dict)
    circles: dict = field(default_factory=dict)
    parks: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)  # (entity, id) -> the thing's title or text, to name it

    @classmethod
    def load(cls, changes) -> Lookups:
        wanted: dict[str, set[int]] = {"company": set(), "contact": set(), "circle": set(), "park": set()}
        by_field = {
            "owner_company_id": "company",
            "interested_company_ids": "company",
            "owner_contact_id": "contact",
            "circle_id": "circle",
            "business_park_id": "park",
        }
        for change in changes:
            values = change.changes if isinstance(change.changes, dict) else {}
            for key, value in values.items():
                if key in by_field:
                    wanted[by_field[key]].update(_ids(value))
        found = cls()
        found.names = _names(changes)
        for theme in db.session.scalars(select(Theme)):
            found.themes[theme.id] = theme.name
            found.theme_keys[theme.key] = theme.name
        for kind, model, target in (
            ("company", Company, found.companies),
            ("contact", ContactPerson, found.contacts),
            ("circle", Circle, found.circles),
            ("park", BusinessPark, found.parks),
        ):
            if wanted[kind]:
                target.update(
                    db.session.execute(select(model.id, model.name).where(model.id.in_(wanted[kind]))).all()
                )
        return found


# What a history row names its subject by: the entity's model and the column shown. A
# measurement is logged under its goal's id. Versions keep their number (it is their name).
NAMED = {
    "plan": (Masterplan, Masterplan.title),
    "project": (Project, Project.title),
    "goal": (Goal, Goal.title),
    "measurement": (Goal, Goal.title),
    "wish": (Item, Item.text),
    "challenge": (Item, Item.text),
    "support": (Item, Item.text),
    "round": (PriorityRound, PriorityRound.title),
}
NAME_LENGTH = 80


def _names(changes) -> dict:
    wanted: dict[str, set[int]] = {}
    for change in changes:
        if change.entity in NAMED and isinstance(change.entity_id, int):
            wanted.setdefault(change.entity, set()).add(change.entity_id)
    names = {}
    for entity, ids in wanted.items():
        model, column = NAMED[entity]
        for row_id, name in db.session.execute(select(model.id, column).where(model.id.in_(ids))):
            text = " ".join(str(name or "").split())
            if text:
                names[(entity, row_id)] = text if len(text) <= NAME_LENGTH else text[: NAME_LENGTH - 1] + "…"
    return names


def _ids(value) -> set[int]:
    """Integer ids in a logged value: an id, a list of ids, or a [before, after] pair of either."""
    if isinstance(value, bool):
        return set()
    if isinstance(value, int):
        return {value} if 0 < value < 2**31 else set()
    if isinstance(value, list):
        return set().union(*(_ids(item) for item in value)) if value else set()
    return set()


def _date(value) -> str:
    try:
        return format_date(date.fromisoformat(str(value)[:10]), "long")
    except ValueError:
        return str(value)


def _number(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _enum(enum_, value) -> str:
    try:
        return str(enum_(value).label)
    except ValueError:
        return str(value)


def _name(names: dict, value, missing) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return names.get(value) or str(missing)
    return str(value)


def value_text(entity, key, value, lookups: Lookups) -> str:
    """One logged value as the reader reads it."""
    if value is None or value == "" or value == []:
        return EMPTY
    if key in DATES:
        return _date(value)
    if key == "budget":
        number = _number(value)
        return format_currency(number, "EUR") if number is not None else str(value)
    if key in NUMBERS:
        number = _number(value)
        return format_decimal(number, "#,##0.##") if number is not None else str(value)
    if key == "status" and entity in STATUSES:
        return _enum(STATUSES[entity], value)
    if key in ENUMS:
        return _enum(ENUMS[key], value)
    if key == "theme":
        return lookups.theme_keys.get(value) or str(value)
    if key == "theme_id":
        return _name(lookups.themes, value, _l("a removed theme"))
    if key == "owner_company_id":
        return _name(lookups.companies, value, _l("a removed company"))
    if key == "owner_contact_id":
        return _name(lookups.contacts, value, _l("a removed person"))
    if key == "circle_id":
        return _name(lookups.circles, value, _l("a removed circle"))
    if key == "business_park_id":
        return _name(lookups.parks, value, _l("a removed business park"))
    if key == "interested_company_ids" and isinstance(value, list):
        names = [lookups.companies[i] for i in value if isinstance(i, int) and i in lookups.companies]
        return ", ".join(sorted(names)) or ngettext("%(num)d company", "%(num)d companies", len(value))
    if key == "milestones" and isinstance(value, list):
        return "; ".join(_milestone(item) for item in value) or EMPTY
    if key == "result" and isinstance(value, list):
        return _result(value, lookups)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value if item not in (None, "")) or EMPTY
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    return str(value)


def _milestone(item) -> str:
    if isinstance(item, list) and len(item) == 2:
        return f"{item[0]} ({_date(item[1])})"
    return str(item)


def _result(entries: list, lookups: Lookups) -> str:
    parts = []
    for index, entry in enumerate((e for e in entries if isinstance(e, dict)), start=1):
        name = _name(lookups.themes, entry.get("theme_id"), _l("a removed theme"))
        points = entry.get("points") if isinstance(entry.get("points"), int) else 0
        parts.append(f"{index}. {name} ({ngettext('%(num)d point', '%(num)d points', points)})")
    return "; ".join(parts) or EMPTY


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str | None  # None for a value given when the item was added
    after: str


@dataclass(frozen=True)
class ChangeRow:
    """One change of the history, in words."""

    change: object  # the PlanChange (when, who)
    what: str  # "Project #12: changed"
    fields: tuple[FieldChange, ...]


def describe(change, lookups: Lookups) -> ChangeRow:
    values = change.changes if isinstance(change.changes, dict) else {}
    pair = change.action == "updated"
    fields = []
    for key, value in values.items():
        if pair and isinstance(value, list) and len(value) == 2:
            before = value_text(change.entity, key, value[0], lookups)
            after = value_text(change.entity, key, value[1], lookups)
            fields.append(FieldChange(field_label(key), before, after))
        else:
            fields.append(FieldChange(field_label(key), None, value_text(change.entity, key, value, lookups)))
    # Named by its title or text where it still has one; a removed thing keeps its number.
    name = lookups.names.get((change.entity, change.entity_id))
    number = f" “{name}”" if name else (f" #{change.entity_id}" if change.entity_id is not None else "")
    what = f"{entity_label(change.entity)}{number}: {action_label(change.action)}"
    return ChangeRow(change, what, tuple(fields))


def describe_page(changes) -> list[ChangeRow]:
    changes = list(changes)
    lookups = Lookups.load(changes)
    return [describe(change, lookups) for change in changes]
