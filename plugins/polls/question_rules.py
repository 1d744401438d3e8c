"""Checking a poll item's values and the lock rule: what a section or question
may hold (kind, text, options or themes, settings, condition), what a poll
with responses still allows, and keeping options and conditions in step.

``services`` applies the changes these functions allow; bad input raises
``PollError`` with a message for people and the form field it concerns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import Theme, db
from plugins.polls.models import OPTION_KINDS, Poll, PollOption, PollQuestion, QuestionKind

SCALES = ("1-5", "0-10")
MAX_OPTIONS = 50
# Kinds whose answer can be the condition of a later question.
CONDITION_KINDS = frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE})
# Kinds whose options are labels typed by the builder (theme interest takes themes).
LABEL_KINDS = frozenset(OPTION_KINDS - {QuestionKind.THEME_INTEREST})
# Settings that decide which answers are valid; their labels (low_label, ...) are wording.
BOUND_SETTINGS = ("min_choices", "max_choices", "scale", "min_value", "max_value")


class PollError(ValueError):
    """A change that cannot be made: ``message`` for people, ``field`` the form
    field it concerns (``None`` for the whole form); ``locked`` when the lock rule
    refused it (views answer 409 then, 422 for plain bad input)."""

    def __init__(self, message: Any, field: str | None = None, *, locked: bool = False) -> None:
        self.message = message
        self.field = field
        self.locked = locked
        super().__init__(str(message))


LOCKED_MESSAGE = _l(
    "This poll already has responses: this change would invalidate answers given, so it is not allowed."
)


def question_kind(value: Any) -> QuestionKind:
    try:
        return QuestionKind(value)
    except ValueError:
        raise PollError(_l("Choose a type of question."), "kind") from None


def _whole(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PollError(_l("Enter a whole number."), field)
    try:
        return int(value)
    except ValueError:
        raise PollError(_l("Enter a whole number."), field) from None


def _number(value: Any, field: str) -> int | float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PollError(_l("Enter a number."), field) from None
    if not math.isfinite(number):
        raise PollError(_l("Enter a number."), field)
    return int(number) if number.is_integer() else number


def _labels(values: Mapping[str, Any]) -> list[str]:
    raw = values.get("options") or []
    if isinstance(raw, str):
        raw = raw.splitlines()
    labels = [str(label).strip() for label in raw if str(label).strip()]
    if len(labels) < 2:
        raise PollError(_l("Give at least two options, one per line."), "options")
    if len(labels) > MAX_OPTIONS:
        raise PollError(_l("Give at most %(max)s options.", max=MAX_OPTIONS), "options")
    if any(len(label) > 300 for label in labels):
        raise PollError(_l("Keep each option to 300 characters or fewer."), "options")
    if len({label.casefold() for label in labels}) != len(labels):
        raise PollError(_l("Each option must be different."), "options")
    return labels


def _themes(values: Mapping[str, Any], current: list[int]) -> list[Theme]:
    raw = values.get("theme_ids") or []
    try:
        ids = list(dict.fromkeys(int(value) for value in raw))
    except (TypeError, ValueError):
        raise PollError(_l("Choose from the themes shown."), "theme_ids") from None
    if not ids:
        raise PollError(_l("Choose at least one theme."), "theme_ids")
    # Scoped: another tenant's theme is not found, so it counts as unknown.
    themes = {theme.id: theme for theme in db.session.scalars(select(Theme).where(Theme.id.in_(ids)))}
    # A theme switched off may stay on a question that has it; it cannot be added anew.
    if len(themes) != len(ids) or any(not themes[i].active and i not in current for i in ids):
        raise PollError(_l("Choose from the themes shown."), "theme_ids")
    return [themes[i] for i in ids]


def _settings(kind: QuestionKind, values: Mapping[str, Any], option_count: int) -> dict[str, Any]:
    raw = values.get("settings") or {}
    if kind == QuestionKind.MULTIPLE_CHOICE:
        low = _whole(raw.get("min_choices"), "min_choices")
        high = _whole(raw.get("max_choices"), "max_choices")
        low = 0 if low is None else low
        high = option_count if high is None else high
        if low < 0:
            raise PollError(_l("The minimum cannot be below 0."), "min_choices")
        if high > option_count:
            raise PollError(
                _l("The maximum cannot be more than the number of options (%(num)s).", num=option_count),
                "max_choices",
            )
        if low > high:
            raise PollError(_l("The minimum cannot be more than the maximum."), "min_choices")
        return {"min_choices": low, "max_choices": high}
    if kind == QuestionKind.SCALE:
        scale = raw.get("scale") or "1-5"
        if scale not in SCALES:
            raise PollError(_l("Choose a scale of 1 to 5 or of 0 to 10."), "scale")
        settings: dict[str, Any] = {"scale": scale}
        for name in ("low_label", "high_label"):
            label = (raw.get(name) or "").strip()
            if len(label) > 100:
                raise PollError(_l("Keep this label to 100 characters or fewer."), name)
            if label:
                settings[name] = label
        return settings
    if kind == QuestionKind.NUMBER:
        low = _number(raw.get("min_value"), "min_value")
        high = _number(raw.get("max_value"), "max_value")
        if low is not None and high is not None and low > high:
            raise PollError(_l("The minimum cannot be more than the maximum."), "min_value")
        return {name: value for name, value in (("min_value", low), ("max_value", high)) if value is not None}
    return {}


def _condition(poll: Poll, position: int, value: Any) -> int | None:
    """The condition option, which must belong to an earlier choice question."""
    option_id = _whole(value, "condition_option_id")
    if option_id is None:
        return None
    for item in poll.questions:
        earlier_choice = item.position < position and item.kind in CONDITION_KINDS
        if earlier_choice and any(option.id == option_id for option in item.options):
            return option_id
    raise PollError(
        _l("A condition must be an answer to an earlier single- or multiple-choice question."),
        "condition_option_id",
    )


def clean_question(
    poll: Poll, kind: QuestionKind, values: Mapping[str, Any], question: PollQuestion | None, position: int
) -> dict[str, Any]:
    """All of a question's values, from ``values`` with the question's current
    ones where a key is missing."""

    def given(name: str, default: Any) -> Any:
        return values.get(name, default)

    text = (given("text", question.text if question else "") or "").strip()
    if not text:
        raise PollError(
            _l("Enter a heading.") if kind == QuestionKind.SECTION else _l("Enter the question."), "text"
        )
    if len(text) > 500:
        raise PollError(_l("Keep this to 500 characters or fewer."), "text")
    help_text = (given("help_text", question.help_text if question else None) or "").strip() or None
    cleaned: dict[str, Any] = {"kind": kind, "text": text, "help_text": help_text}
    is_question = kind != QuestionKind.SECTION
    cleaned["required"] = bool(given("required", question.required if question else False)) and is_question
    same_kind = question is not None and question.kind == kind

    # Typed options carry over between kinds that have them (single choice -> ranking).
    keeps_labels = question is not None and question.kind in LABEL_KINDS
    current_themes = [option.theme_id for option in question.options] if same_kind else []
    if kind in LABEL_KINDS:
        if "options" in values or not keeps_labels:
            cleaned["options"] = _labels(values)
        else:
            cleaned["options"] = [option.label for option in question.options]
    elif kind == QuestionKind.THEME_INTEREST:
        if "theme_ids" in values or not same_kind:
            cleaned["themes"] = _themes(values, current_themes)
        else:
            cleaned["themes"] = [option.theme for option in question.options]
    option_count = len(cleaned.get("options") or cleaned.get("themes") or [])

    if "settings" in values or not same_kind:
        cleaned["settings"] = _settings(kind, values, option_count)
    else:
        cleaned["settings"] = _settings(kind, {"settings": question.settings or {}}, option_count)

    condition = given("condition_option_id", question.condition_option_id if question else None)
    cleaned["condition_option_id"] = _condition(poll, position, condition) if is_question else None
    return cleaned


def check_lock(question: PollQuestion | None, cleaned: Mapping[str, Any]) -> None:
    """Refuse, for a poll with responses, what would invalidate answers given."""
    if question is None:
        if cleaned["required"]:
            raise PollError(
                _l("This poll already has responses: a new question can only be optional."),
                "required",
                locked=True,
            )
        return
    if cleaned["kind"] != question.kind:
        raise PollError(LOCKED_MESSAGE, "kind", locked=True)
    if "options" in cleaned and cleaned["options"] != [option.label for option in question.options]:
        raise PollError(LOCKED_MESSAGE, "options", locked=True)
    if "themes" in cleaned and [theme.id for theme in cleaned["themes"]] != [
        option.theme_id for option in question.options
    ]:
        raise PollError(LOCKED_MESSAGE, "theme_ids", locked=True)
    # Compared normalised: stored settings may leave out a default (no maximum = all options).
    try:
        old = _settings(question.kind, {"settings": question.settings or {}}, len(question.options))
    except PollError:
        old = question.settings or {}
    for name in BOUND_SETTINGS:
        if cleaned["settings"].get(name) != old.get(name):
            raise PollError(LOCKED_MESSAGE, name, locked=True)
    if cleaned["required"] and not question.required:
        raise PollError(LOCKED_MESSAGE, "required", locked=True)
    if cleaned["condition_option_id"] != question.condition_option_id:
        raise PollError(LOCKED_MESSAGE, "condition_option_id", locked=True)


def sync_options(question: PollQuestion, poll: Poll, cleaned: Mapping[str, Any]) -> None:
    """Make the question's options match ``cleaned``, keeping the rows (and so the
    conditions pointing at them) of options that stay or are renamed in place."""
    if "options" in cleaned:
        wanted = [(label, None) for label in cleaned["options"]]
        key = lambda option: option.label  # noqa: E731
    elif "themes" in cleaned:
        # The label is the theme's name in the poll's language, fixed when added.
        wanted = [
            (theme.name_en if poll.language == "en" else theme.name_nl, theme.id)
            for theme in cleaned["themes"]
        ]
        key = lambda option: option.theme_id  # noqa: E731
    else:
        wanted = []
        key = lambda option: option.id  # noqa: E731
    existing = list(question.options)
    by_key = {key(option): option for option in existing}
    chosen: list[PollOption | None] = []
    for label, theme_id in wanted:
        match = by_key.pop(theme_id if "themes" in cleaned else label, None)
        chosen.append(match)
    # Typed options not found by label take over the leftover rows in order: a renamed option.
    leftovers = [option for option in existing if option in by_key.values()]
    if "options" in cleaned:
        for index, match in enumerate(chosen):
            if match is None and leftovers:
                chosen[index] = leftovers.pop(0)
    result = []
    for index, ((label, theme_id), match) in enumerate(zip(wanted, chosen, strict=True)):
        option = match or PollOption()
        option.label = label
        option.theme_id = theme_id
        option.position = index
        result.append(option)
    # Rows left out are deleted (delete-orphan); no answers point at them, the lock saw to that.
    question.options = result


def clear_stale_conditions(poll: Poll) -> list[int]:
    """Drop conditions no longer pointing at an earlier choice question's option;
    returns the ids of the questions that lost theirs."""
    seen: set[int] = set()
    cleared = []
    for item in poll.questions:
        if item.condition_option_id is not None and item.condition_option_id not in seen:
            item.condition_option_id = None
            cleared.append(item.id)
        if item.kind in CONDITION_KINDS:
            seen.update(option.id for option in item.options)
    return cleared


def renumber(poll: Poll) -> None:
    for position, item in enumerate(sorted(poll.questions, key=lambda item: (item.position, item.id or 0))):
        item.position = position
