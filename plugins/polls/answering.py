"""Answering a poll: the one module the views, the demo loader and the benchmark use.

The work is done in modules of one purpose each, re-exported here:
``answer_values`` (the form's items, field names and conditions), ``validation``
(every question kind), ``responses`` (the link's invitation, its response, drafts),
``submission`` (claims, answers, counts) and ``sealing`` (anonymous answers written
apart from their invitation). This module adds the receipt.

No HTTP here: the views in ``views/respond.py`` are thin wrappers. Everything works
inside the tenant in scope; nothing commits (the caller ends the unit of work).
"""

from __future__ import annotations

from collections.abc import Iterable

from plugins.polls.answer_values import (
    FIELD_NAME,
    _first,
    _getlist,
    condition_of,
    condition_states,
    field_name,
    form_values,
    poll_items,
    visible_items,
)
from plugins.polls.models import InterestLevel, PollAnswer, PollQuestion, QuestionKind
from plugins.polls.responses import (
    DRAFT_FIELDS_MAX,
    DRAFT_VALUE_MAX,
    AlreadySubmitted,
    AnsweringError,
    PollNotOpen,
    draft_values,
    find_invitation,
    find_response,
    hold_invitation,
    is_submitted,
    owner_key,
    respondent_state,
    response_for,
    save_draft,
)
from plugins.polls.submission import record_response, submit
from plugins.polls.validation import (
    CHECKS,
    LONG_TEXT_MAX,
    NEEDS_ANSWER,
    NUMBER_LIMIT,
    SCALES,
    SHORT_TEXT_MAX,
    InvalidResponse,
    scale_bounds,
    validate,
)

__all__ = [
    "CHECKS",
    "DRAFT_FIELDS_MAX",
    "DRAFT_VALUE_MAX",
    "FIELD_NAME",
    "LONG_TEXT_MAX",
    "NEEDS_ANSWER",
    "NUMBER_LIMIT",
    "SCALES",
    "SHORT_TEXT_MAX",
    "AlreadySubmitted",
    "AnsweringError",
    "InvalidResponse",
    "PollNotOpen",
    "_first",
    "_getlist",
    "condition_of",
    "condition_states",
    "draft_values",
    "field_name",
    "find_invitation",
    "find_response",
    "form_values",
    "hold_invitation",
    "is_submitted",
    "owner_key",
    "poll_items",
    "receipt_lines",
    "record_response",
    "respondent_state",
    "response_for",
    "save_draft",
    "scale_bounds",
    "submit",
    "validate",
    "visible_items",
]


def receipt_lines(
    items: list[PollQuestion], answers: Iterable[PollAnswer]
) -> list[tuple[PollQuestion, list[str]]]:
    """Each answered question with its answer as readable lines, for the receipt."""
    by_question: dict[int, list[PollAnswer]] = {}
    for answer in answers:
        by_question.setdefault(answer.question_id, []).append(answer)
    lines = []
    for item in items:
        found = by_question.get(item.id)
        if not item.is_question or not found:
            continue
        labels = {option.id: option.label for option in item.options}
        if item.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
            text = [labels.get(a.option_id, "") for a in found]
        elif item.kind in (QuestionKind.SCALE, QuestionKind.NUMBER):
            text = [f"{a.value_number:g}" for a in found]
        elif item.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
            text = [a.value_text or "" for a in found]
        elif item.kind == QuestionKind.RANKING:
            text = [
                f"{a.value_number:g}. {labels.get(a.option_id, '')}"
                for a in sorted(found, key=lambda a: a.value_number)
            ]
        elif item.kind == QuestionKind.POINTS:
            text = [f"{labels.get(a.option_id, '')}: {a.value_number:g}" for a in found]
        else:
            text = [
                f"{labels.get(a.option_id, '')}: {InterestLevel(int(a.value_number)).label}" for a in found
            ]
        lines.append((item, text))
    return lines
