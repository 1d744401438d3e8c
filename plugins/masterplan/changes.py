"""Editing a plan's rows safely and keeping their history.

Every editable row carries a ``version``. A form sends back the version it was
opened at; ``edit`` refuses the save when the row moved on since (someone else
saved), and the ORM's ``version_id_col`` refuses a parallel save that passed the
check at the same moment. Either way nothing is overwritten and the person is
told. Every change is written to ``PlanChange`` (who, when, the fields before
and after), which the history page reads.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from kringwerk.plugin_api import db
from plugins.masterplan.models import PlanChange


class Invalid(ValueError):
    """Input refused; ``errors`` maps a field name (or ``""`` for the whole form) to a message."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class StaleEdit(Invalid):
    """Someone else saved the same item after this form was opened."""

    def __init__(self):
        super().__init__(
            {
                "": _l(
                    "Someone else changed this item after you opened it. Your changes were not saved: "
                    "reload the page to see the current text, then make your changes again."
                )
            }
        )


def plain(value):
    """A value as it is kept in the change log (JSON)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):  # an enum
        return value.value
    return value


def log(plan_id: int, actor, entity: str, entity_id: int | None, action: str, changes: dict) -> PlanChange:
    change = PlanChange(
        masterplan_id=plan_id,
        user_id=getattr(actor, "id", None),
        user_name=getattr(actor, "name", None),
        entity=entity,
        entity_id=entity_id,
        action=action,
        changes={
            key: plain(value) if not isinstance(value, list) else value for key, value in changes.items()
        },
    )
    db.session.add(change)
    return change


def check_version(row, expected: int | str | None) -> None:
    """Refuse when the form's version is not the row's current one."""
    try:
        expected = int(expected)
    except (TypeError, ValueError):
        raise StaleEdit() from None
    if expected != row.version:
        raise StaleEdit()


def edit(row, values: dict, *, expected_version, plan_id: int, actor, entity: str) -> dict:
    """Apply ``values`` to ``row`` if its version is ``expected_version``; log and return what changed."""
    check_version(row, expected_version)
    changed = {}
    for field, value in values.items():
        before = getattr(row, field)
        if plain(before) != plain(value):
            changed[field] = [plain(before), plain(value)]
            setattr(row, field, value)
    if not changed:
        return changed
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise StaleEdit() from None
    log(plan_id, actor, entity, row.id, "updated", changed)
    db.session.flush()
    return changed
