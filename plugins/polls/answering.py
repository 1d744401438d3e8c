"""Answering a poll: finding an invitation by its personal link, the response it
opens, drafts, validation of every question kind, and submission.

No HTTP here: the views in ``views/respond.py`` are thin wrappers, and the demo
loader and the benchmark submit through ``record_response``. Everything works
inside the tenant in scope; nothing commits (the caller ends the unit of work).

Form field names (a contract with the templates, the builder's preview and the
tests): ``q<question_id>`` for single choice, scale, number and texts (single
choice: the option id); ``q<question_id>`` repeated for multiple choice (option
ids); ``q<question_id>_o<option_id>`` for ranking (rank 1..n), points (whole
points summing to 100) and theme interest (an ``InterestLevel``: 0, 1 or 2).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from kringwerk.plugin_api import db, resolve_token, utcnow
from plugins.polls import tallies
from plugins.polls.models import (
    ANSWER_LINK,
    InterestLevel,
    Poll,
    PollAnswer,
    PollInvitation,
    PollQuestion,
    PollResponse,
    PollState,
    QuestionKind,
    ResponseStatus,
    ResponseUnit,
)

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000
# A draft keeps what was typed, but not without limit: a value longer than any
# valid answer by a margin, or more fields than any poll has, is only abuse.
DRAFT_VALUE_MAX = LONG_TEXT_MAX + 1000
DRAFT_FIELDS_MAX = 2000
# Numbers beyond this are no answer to a poll question and would lose precision as floats.
NUMBER_LIMIT = 10**12

SCALES = {"1-5": (1, 5), "0-10": (0, 10)}
FIELD_NAME = re.compile(r"^q\d+(_o\d+)?$")

NEEDS_ANSWER = _l("This question needs an answer.")


class AnsweringError(ValueError):
    """A response that cannot be taken at all (not a validation error of an answer)."""


class AlreadySubmitted(AnsweringError):
    pass


class PollNotOpen(AnsweringError):
    pass


class InvalidResponse(ValueError):
    """``record_response`` got answers that do not validate; ``errors`` as from ``validate``."""

    def __init__(self, errors: dict[int, Any]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"q{qid}: {message}" for qid, message in errors.items()))


# --- links, states and responses ---------------------------------------------------------


def find_invitation(poll_id: int, raw_token: str | None) -> PollInvitation | None:
    """The invitation of this personal link to poll ``poll_id`` in the tenant in scope, or None.

    The tenant scope keeps another tenant's token out; the poll id keeps another
    poll's token (of this tenant) out.
    """
    token = resolve_token(ANSWER_LINK, raw_token or "")
    if token is None:
        return None
    return db.session.scalar(
        select(PollInvitation)
        .where(PollInvitation.id == token.subject_id, PollInvitation.poll_id == poll_id)
        .options(selectinload(PollInvitation.poll))
    )


def respondent_state(poll: Poll, now: datetime | None = None) -> str:
    """``"open"``, ``"not_yet_open"`` or ``"closed"`` as a respondent sees the poll.

    Past ``closes_at`` counts as closed even before the auto-close job has run.
    A draft poll is not open yet.
    """
    now = now or utcnow()
    if poll.state == PollState.CLOSED:
        return "closed"
    if poll.closes_at is not None and now >= poll.closes_at:
        return "closed"
    if poll.state == PollState.DRAFT:
        return "not_yet_open"
    if poll.opens_at is not None and now < poll.opens_at:
        return "not_yet_open"
    return "open"


def _response_owner_filter(invitation: PollInvitation, poll: Poll):
    """Which response an invitation shares: its company's (company unit) or its person's."""
    if poll.response_unit == ResponseUnit.COMPANY and invitation.company_id is not None:
        return PollResponse.company_id == invitation.company_id
    if invitation.contact_person_id is not None:
        return PollResponse.contact_person_id == invitation.contact_person_id
    if invitation.company_id is not None:
        return PollResponse.company_id == invitation.company_id
    return None


def find_response(invitation: PollInvitation) -> PollResponse | None:
    """The response this invitation opens, if one was started (a draft or, when not
    anonymous, a submitted one)."""
    poll = invitation.poll
    owner = _response_owner_filter(invitation, poll)
    if owner is None:
        return None
    return db.session.scalar(
        select(PollResponse).where(PollResponse.poll_id == poll.id, owner).order_by(PollResponse.id).limit(1)
    )


def response_for(invitation: PollInvitation) -> PollResponse:
    """The response this invitation opens: the existing one, or a new draft.

    One response per company (shared by its contacts) or per person, as the poll says.
    """
    response = find_response(invitation)
    if response is not None:
        return response
    poll = invitation.poll
    response = PollResponse(
        poll_id=poll.id,
        company_id=invitation.company_id,
        contact_person_id=invitation.contact_person_id,
        status=ResponseStatus.DRAFT,
        draft={},
    )
    db.session.add(response)
    db.session.flush()
    return response


def is_submitted(invitation: PollInvitation, response: PollResponse | None = None) -> bool:
    """Whether this link's response is in: an anonymous response cannot be found back,
    so the invitation's ``responded_at`` says it."""
    if invitation.responded_at is not None:
        return True
    return response is not None and response.status == ResponseStatus.SUBMITTED


def poll_items(poll_id: int) -> list[PollQuestion]:
    """The poll's sections and questions in order, with their options (two queries)."""
    return list(
        db.session.scalars(
            select(PollQuestion)
            .where(PollQuestion.poll_id == poll_id)
            .order_by(PollQuestion.position, PollQuestion.id)
            .options(selectinload(PollQuestion.options))
        )
    )


# --- values --------------------------------------------------------------------------------


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


# --- validation ----------------------------------------------------------------------------


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


# --- drafts and submission -----------------------------------------------------------------


def draft_values(values: Any) -> dict[str, list[str]]:
    """The answer fields of a form as a draft: every value as typed, valid or not."""
    keys = values.keys() if hasattr(values, "keys") else []
    draft: dict[str, list[str]] = {}
    for name in keys:
        if not FIELD_NAME.match(name) or len(draft) >= DRAFT_FIELDS_MAX:
            continue
        draft[name] = [value[:DRAFT_VALUE_MAX] for value in _getlist(values, name)][:50]
    return draft


def save_draft(response: PollResponse, values: Any) -> PollResponse:
    """Keep what was typed in ``response.draft``; never validates anything away."""
    if response.status == ResponseStatus.SUBMITTED:
        raise AlreadySubmitted("this response was submitted")
    response.draft = draft_values(values)  # a new dict: JSON columns track assignment, not mutation
    response.updated_at = utcnow()
    db.session.flush()
    return response


def _start_of_day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _write_answers(poll: Poll, response: PollResponse, atoms: list[dict], now: datetime) -> None:
    response.answers = [PollAnswer(poll_id=poll.id, **atom) for atom in atoms]
    tallies.count_answers(poll, atoms)
    response.status = ResponseStatus.SUBMITTED
    response.submitted_at = now
    response.updated_at = now
    if poll.anonymous:
        # Cut every tie: no column may lead from the answers to the company or person,
        # and exact times would let one match the response to an invitation's timestamps.
        day = _start_of_day(now)
        response.company_id = None
        response.contact_person_id = None
        response.draft = {}
        response.submitted_at = day
        response.updated_at = day
        response.started_at = day
    else:
        response.draft = {}


def _mark_responded(
    poll: Poll, now: datetime, *, company_id=None, contact_person_id=None, invitation_id=None
):
    """Count the response: the invitation, and in the company unit every invitation of the company."""
    stamp = _start_of_day(now) if poll.anonymous else now
    conditions = []
    if invitation_id is not None:
        conditions.append(PollInvitation.id == invitation_id)
    if poll.response_unit == ResponseUnit.COMPANY and company_id is not None:
        conditions.append(PollInvitation.company_id == company_id)
    elif contact_person_id is not None:
        conditions.append(PollInvitation.contact_person_id == contact_person_id)
    if not conditions:
        return

    db.session.execute(
        update(PollInvitation)
        .where(PollInvitation.poll_id == poll.id, PollInvitation.responded_at.is_(None), or_(*conditions))
        .values(responded_at=stamp)
        .execution_options(synchronize_session="fetch")
    )


def submit(
    response: PollResponse, invitation: PollInvitation, values: Any, items: list[PollQuestion] | None = None
) -> dict[int, Any] | None:
    """Validate and submit: errors (the draft keeps what was typed) or None when submitted.

    Raises ``AlreadySubmitted`` for a response that is in, ``PollNotOpen`` when the
    poll does not take answers now.
    """
    poll = invitation.poll
    if is_submitted(invitation, response):
        raise AlreadySubmitted("this response was submitted")
    if respondent_state(poll) != "open":
        raise PollNotOpen(respondent_state(poll))
    atoms, errors = validate(poll, values, items)
    if errors:
        save_draft(response, values)
        return errors
    # Claim the response in the database: of two submissions racing (a double click, two
    # colleagues at once) only one finds it still a draft, so answers and counts go in once.
    claimed = db.session.execute(
        update(PollResponse)
        .where(PollResponse.id == response.id, PollResponse.status == ResponseStatus.DRAFT)
        .values(status=ResponseStatus.SUBMITTED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise AlreadySubmitted("this response was submitted meanwhile")
    now = utcnow()
    company_id, contact_person_id = response.company_id, response.contact_person_id
    _write_answers(poll, response, atoms, now)
    db.session.flush()
    _mark_responded(
        poll,
        now,
        company_id=company_id or invitation.company_id,
        contact_person_id=contact_person_id or invitation.contact_person_id,
        invitation_id=invitation.id,
    )
    db.session.flush()
    return None


def record_response(
    poll: Poll,
    values: Any,
    *,
    company_id: int | None = None,
    contact_person_id: int | None = None,
    items: list[PollQuestion] | None = None,
) -> PollResponse:
    """Submit a response without an invitation (the demo loader, the benchmark).

    Validates like ``submit`` and raises ``InvalidResponse`` (a ValueError, with
    ``errors``) if the answers are invalid. Invitations of the company (company
    unit) or person for this poll are counted as responded. Does not check
    whether the poll is open, so past polls can be filled.
    """
    atoms, errors = validate(poll, values, items)
    if errors:
        raise InvalidResponse(errors)
    now = utcnow()
    response = PollResponse(
        poll_id=poll.id, company_id=company_id, contact_person_id=contact_person_id, draft={}, started_at=now
    )
    db.session.add(response)
    _write_answers(poll, response, atoms, now)
    db.session.flush()
    _mark_responded(poll, now, company_id=company_id, contact_person_id=contact_person_id)
    return response


# --- the receipt -----------------------------------------------------------------------------


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
