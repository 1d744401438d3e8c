"""Validation of every question kind: the answers of a form (a MultiDict or a stored
draft) checked against the poll's visible questions, giving the answer atoms to
store or a translatable message per question.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln

from plugins.polls.answer_values import _first, _getlist, field_name, poll_items, visible_items
from plugins.polls.models import InterestLevel, Poll, PollQuestion, QuestionKind

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000
# Numbers beyond this are no answer to a poll question and would lose precision as floats.
NUMBER_LIMIT = 10**12

SCALES = {"1-5": (1, 5), "0-10": (0, 10)}

NEEDS_ANSWER = _l("This question needs an answer.")


class InvalidResponse(ValueError):
    """``record_response`` got answers that do not validate; ``errors`` as from ``validate``."""

    def __init__(self, errors: dict[int, Any]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"q{qid}: {message}" for qid, message in errors.items()))


def _whole(text: str) -> int | None:
    """A whole number typed as ``12``, ``-3`` or ``+4`` (spaces around allowed), else None."""
    text = text.strip()
    if not re.fullmatch(r"[+-]?\d{1,13}", text):
        return None
    return int(text)


def _atom(question: PollQuestion, option_id=None, number=None, text=None) -> dict:
    return {"question_id": question.id, "option_id": option_id, "value_number": number, "value_text": text}


def _check_single(question, values):
    chosen = [v.strip() for v in _getlist(values, field_name(question.id)) if v.strip()]
    if not chosen:
        return [], (NEEDS_ANSWER if question.required else None)
    ids = {str(option.id): option.id for option in question.options}
    if len(set(chosen)) != 1 or chosen[0] not in ids:
        return [], _l("Choose one of the options.")
    return [_atom(question, option_id=ids[chosen[0]])], None


def _check_multiple(question, values):
    chosen = []
    for value in _getlist(values, field_name(question.id)):
        value = value.strip()
        if value and value not in chosen:
            chosen.append(value)
    if not chosen:
        return [], (NEEDS_ANSWER if question.required else None)
    ids = {str(option.id): option.id for option in question.options}
    if any(value not in ids for value in chosen):
        return [], _l("Choose from the options given.")
    settings = question.settings or {}
    low, high = settings.get("min_choices"), settings.get("max_choices")
    if low and len(chosen) < int(low):
        return [], _ln(
            "Choose at least %(min)s option.", "Choose at least %(min)s options.", int(low), min=int(low)
        )
    if high and len(chosen) > int(high):
        return [], _ln(
            "Choose at most %(max)s option.", "Choose at most %(max)s options.", int(high), max=int(high)
        )
    # In the order of the options, so stored rows do not depend on the order sent.
    order = [str(option.id) for option in question.options]
    return [_atom(question, option_id=ids[value]) for value in sorted(chosen, key=order.index)], None


def scale_bounds(question: PollQuestion) -> tuple[int, int]:
    return SCALES.get((question.settings or {}).get("scale"), SCALES["1-5"])


def _check_scale(question, values):
    text = _first(values, field_name(question.id))
    if not text:
        return [], (NEEDS_ANSWER if question.required else None)
    low, high = scale_bounds(question)
    number = _whole(text)
    if number is None or not low <= number <= high:
        return [], _l("Choose a value from %(min)s to %(max)s.", min=low, max=high)
    return [_atom(question, number=number)], None


def _check_number(question, values):
    text = _first(values, field_name(question.id))
    if not text:
        return [], (NEEDS_ANSWER if question.required else None)
    settings = question.settings or {}
    low, high = settings.get("min_value"), settings.get("max_value")
    number = _whole(text)
    too_low = number is not None and low is not None and number < low
    too_high = number is not None and high is not None and number > high
    if number is None or too_low or too_high or abs(number) > NUMBER_LIMIT:
        if low is not None and high is not None:
            return [], _l("Enter a whole number between %(min)s and %(max)s.", min=low, max=high)
        if low is not None:
            return [], _l("Enter a whole number of at least %(min)s.", min=low)
        if high is not None:
            return [], _l("Enter a whole number of at most %(max)s.", max=high)
        return [], _l("Enter a whole number.")
    return [_atom(question, number=number)], None


def _check_text(question, values):
    text = _first(values, field_name(question.id))
    if not text:
        return [], (NEEDS_ANSWER if question.required else None)
    limit = SHORT_TEXT_MAX if question.kind == QuestionKind.SHORT_TEXT else LONG_TEXT_MAX
    # A short answer is one line: a pasted line break is no part of it.
    text = " ".join(text.split()) if question.kind == QuestionKind.SHORT_TEXT else text.replace("\r\n", "\n")
    if len(text) > limit:
        return [], _l("Use at most %(max)s characters; now %(count)s.", max=limit, count=len(text))
    return [_atom(question, text=text)], None


def _option_values(question, values) -> list[tuple[Any, str]]:
    return [(option, _first(values, field_name(question.id, option.id))) for option in question.options]


def _check_ranking(question, values):
    given = _option_values(question, values)
    filled = [(option, text) for option, text in given if text]
    if not filled:
        return [], (NEEDS_ANSWER if question.required else None)
    count = len(given)
    if len(filled) < count:
        return [], _l("Give every option a rank.")
    ranks = [_whole(text) for _, text in filled]
    if any(rank is None or not 1 <= rank <= count for rank in ranks):
        return [], _l("Use the ranks 1 to %(count)s.", count=count)
    if len(set(ranks)) != len(ranks):
        return [], _l("Give each option a different rank.")
    return [
        _atom(question, option_id=option.id, number=rank)
        for (option, _), rank in zip(filled, ranks, strict=True)
    ], None


def _check_points(question, values):
    given = _option_values(question, values)
    if not any(text for _, text in given):
        return [], (NEEDS_ANSWER if question.required else None)
    # An option left empty among filled ones gets no points: nobody types a 0 for each.
    points = [(option, _whole(text) if text else 0) for option, text in given]
    if any(value is None or value < 0 for _, value in points):
        return [], _l("Enter whole points of 0 or more.")
    total = sum(value for _, value in points)
    if total != 100:
        return [], _l("The points must add up to 100; now %(total)s.", total=total)
    return [_atom(question, option_id=option.id, number=value) for option, value in points], None


def _check_theme_interest(question, values):
    given = _option_values(question, values)
    filled = [(option, text) for option, text in given if text]
    if not filled:
        return [], (NEEDS_ANSWER if question.required else None)
    levels = {str(level.value): level for level in InterestLevel}
    if any(text not in levels for _, text in filled):
        return [], _l("Choose one of the answers for each theme.")
    if question.required and len(filled) < len(given):
        return [], _l("Answer this for every theme.")
    return [_atom(question, option_id=option.id, number=int(levels[text])) for option, text in filled], None


CHECKS = {
    QuestionKind.SINGLE_CHOICE: _check_single,
    QuestionKind.MULTIPLE_CHOICE: _check_multiple,
    QuestionKind.SCALE: _check_scale,
    QuestionKind.NUMBER: _check_number,
    QuestionKind.SHORT_TEXT: _check_text,
    QuestionKind.LONG_TEXT: _check_text,
    QuestionKind.RANKING: _check_ranking,
    QuestionKind.POINTS: _check_points,
    QuestionKind.THEME_INTEREST: _check_theme_interest,
}


def validate(
    poll: Poll, values: Any, items: list[PollQuestion] | None = None
) -> tuple[list[dict], dict[int, Any]]:
    """Check the answers in ``values`` (a MultiDict or a dict of lists) against the poll.

    Returns ``(atoms, errors)``: atoms are the keyword arguments of the PollAnswer
    rows to write (``question_id``, ``option_id``, ``value_number``,
    ``value_text``); errors map a question id to a translatable message. Hidden
    questions are neither required nor stored. Pass ``items`` (from
    ``poll_items``) to spare the queries.
    """
    items = poll_items(poll.id) if items is None else items
    atoms: list[dict] = []
    errors: dict[int, Any] = {}
    for item in visible_items(items, values):
        check = CHECKS.get(item.kind)
        if check is None:  # a section
            continue
        found, error = check(item, values)
        if error is not None:
            errors[item.id] = error
        else:
            atoms.extend(found)
    return atoms, errors
