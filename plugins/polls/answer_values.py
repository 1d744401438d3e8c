"""The answer form's items and values: a poll's items in order, the typed values of a
field, and which conditional questions show for the answers so far.

Form field names (a contract with the templates, the builder's preview and the
tests): ``q<question_id>`` for single choice, scale, number and texts (single
choice: the option id); ``q<question_id>`` repeated for multiple choice (option
ids); ``q<question_id>_o<option_id>`` for ranking (rank 1..n), points (whole
points summing to 100) and theme interest (an ``InterestLevel``: 0, 1 or 2).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import contains_eager
from werkzeug.datastructures import MultiDict

from kringwerk.plugin_api import db
from plugins.polls.models import PollOption, PollQuestion

FIELD_NAME = re.compile(r"^q\d+(_o\d+)?$")


@functools.cache
def _items_statement() -> Select:
    """A poll's items with their options joined in: one statement (bound ``poll_id``),
    built once per process; the tenant scope is added when it runs, to both tables."""
    return (
        select(PollQuestion)
        .outerjoin(PollQuestion.options)
        .options(contains_eager(PollQuestion.options))
        .where(PollQuestion.poll_id == bindparam("poll_id"))
        .order_by(PollQuestion.position, PollQuestion.id, PollOption.position, PollOption.id)
    )


def poll_items(poll_id: int) -> list[PollQuestion]:
    """The poll's sections and questions in order, with their options in order (one statement)."""
    return list(db.session.scalars(_items_statement(), {"poll_id": poll_id}).unique())


def _getlist(values: Any, name: str) -> list[str]:
    """The values of one field from a MultiDict, a draft (dict of lists) or a plain dict."""
    if values is None:
        return []
    found = values.getlist(name) if hasattr(values, "getlist") else values.get(name, [])
    if found is None:
        return []
    if isinstance(found, str | int | float):
        found = [found]
    return [str(value) for value in found]


def _first(values: Any, name: str) -> str:
    """The first non-empty value of a field, stripped ('' when none)."""
    for value in _getlist(values, name):
        if value.strip():
            return value.strip()
    return ""


def form_values(draft: Mapping[str, Any] | None) -> MultiDict:
    """A stored draft (dict of lists) as the MultiDict the form templates read."""
    result = MultiDict()
    for name, found in (draft or {}).items():
        for value in found if isinstance(found, list) else [found]:
            result.add(name, value)
    return result


def field_name(question_id: int, option_id: int | None = None) -> str:
    return f"q{question_id}" if option_id is None else f"q{question_id}_o{option_id}"


def _option_question(items: Iterable[PollQuestion]) -> dict[int, PollQuestion]:
    return {option.id: item for item in items for option in item.options}


def condition_of(item: PollQuestion, items: Iterable[PollQuestion]) -> tuple[PollQuestion, Any] | None:
    """(the earlier question, the option) a conditional question depends on, or None."""
    if item.condition_option_id is None:
        return None
    for other in items:
        for option in other.options:
            if option.id == item.condition_option_id:
                return other, option
    return None


def visible_items(items: Iterable[PollQuestion], values: Any) -> list[PollQuestion]:
    """The items shown for these answers: a question with a condition shows only when
    the earlier answer includes that option (and that earlier question shows itself).

    A condition on an option that no longer exists hides nothing.
    """
    items = list(items)
    owners = _option_question(items)
    shown: set[int] = set()
    result = []
    for item in items:
        condition = item.condition_option_id
        if condition is not None and condition in owners:
            owner = owners[condition]
            if owner.id not in shown or str(condition) not in {
                value.strip() for value in _getlist(values, field_name(owner.id))
            }:
                continue
        shown.add(item.id)
        result.append(item)
    return result


def condition_states(items: Iterable[PollQuestion], values: Any) -> dict[int, str | None]:
    """For each conditional question: "applies" (shown for these answers), "skip" (the
    earlier question is answered otherwise) or None (the earlier question is unanswered)."""
    items = list(items)
    owners = _option_question(items)
    shown = {item.id for item in visible_items(items, values)}
    states: dict[int, str | None] = {}
    for item in items:
        if item.condition_option_id is None or item.condition_option_id not in owners:
            continue
        owner = owners[item.condition_option_id]
        if item.id in shown:
            states[item.id] = "applies"
        elif any(value.strip() for value in _getlist(values, field_name(owner.id))):
            states[item.id] = "skip"
        else:
            states[item.id] = None
    return states
