"""Building polls: creating, changing, copying and deleting polls and their
items (sections and questions), and opening and closing them.

No HTTP here: views call these functions and commit. Bad input raises
``PollError`` with a message for people and the form field it concerns.

The lock rule: once a poll has responses (drafts included, they hold typed
answers keyed by question and option ids), every change that would make a
stored answer wrong or meaningless is refused: another kind, other options or
themes, other bounds, a removed question, a new or stricter requirement, a
changed condition, and the poll's anonymity, response unit and language.
Wording, optional additions, order and dates stay editable. What an item may
hold and what the lock allows is checked in ``question_rules``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Bundle

from kringwerk.plugin_api import db, delete_tokens, record, utcnow
from plugins.polls import rates, tallies
from plugins.polls.models import (
    ANSWER_LINK,
    Poll,
    PollAnswer,
    PollInvitation,
    PollOption,
    PollQuestion,
    PollResponse,
    PollSealedResponse,
    PollState,
    ResponseStatus,
    ResponseUnit,
    ResultsVisibility,
)
from plugins.polls.question_rules import (
    CONDITION_KINDS,
    LOCKED_MESSAGE,
    PollError,
    check_lock,
    clean_question,
    clear_stale_conditions,
    question_kind,
    renumber,
    sync_options,
)

LANGUAGES = ("nl", "en")
MAX_THRESHOLD = 1000
POLL_LOCKED_FIELDS = ("anonymous", "response_unit", "language")


# --- reading -----------------------------------------------------------------------------------


def has_responses(poll: Poll) -> bool:
    """Any response to ``poll``, a draft, submitted, or anonymous and waiting to be sealed."""
    return bool(
        db.session.scalar(
            select(
                exists().where(PollResponse.poll_id == poll.id)
                | exists().where(PollSealedResponse.poll_id == poll.id)
            )
        )
    )


def open_poll_count() -> int:
    """How many polls of the tenant in scope are open (for the dashboard card)."""
    return db.session.scalar(select(func.count(Poll.id)).where(Poll.state == PollState.OPEN)) or 0


@functools.cache
def polls_query(*, builder: bool):
    """Polls with their number of submitted responses, newest first, in one grouped
    query. Builders see every poll; other members only open and closed ones.

    Rows are (poll, count) where the poll holds only what the list shows (id, title,
    state, visibility, dates), not the whole entity. The statement holds no data and is
    built once per process for each audience; the tenant scope is added when it runs."""
    poll = Bundle(
        "poll", Poll.id, Poll.title, Poll.state, Poll.results_visibility, Poll.opens_at, Poll.closes_at
    )
    statement = (
        select(poll, func.count(PollResponse.id))
        .select_from(Poll)
        .outerjoin(
            PollResponse,
            (PollResponse.poll_id == Poll.id) & (PollResponse.status == ResponseStatus.SUBMITTED),
        )
        .group_by(Poll.id)
        .order_by(Poll.created_at.desc(), Poll.id.desc())
    )
    if not builder:
        statement = statement.where(Poll.state.in_((PollState.OPEN, PollState.CLOSED)))
    return statement


def response_counts(poll: Poll) -> dict[str, Any]:
    """Submitted and draft responses, invitations and the response rate (``rates``) of
    one poll, for its overview."""
    rows = db.session.execute(
        select(PollResponse.status, func.count(PollResponse.id))
        .where(PollResponse.poll_id == poll.id)
        .group_by(PollResponse.status)
    ).all()
    counts = {str(status): count for status, count in rows}
    invitations = db.session.scalar(
        select(func.count(PollInvitation.id)).where(PollInvitation.poll_id == poll.id)
    )
    return {
        "submitted": counts.get(str(ResponseStatus.SUBMITTED), 0),
        "drafts": counts.get(str(ResponseStatus.DRAFT), 0),
        "invitations": invitations or 0,
        "rate": rates.response_rate(poll),
    }


def condition_choices(poll: Poll, before: PollQuestion | None = None) -> list[tuple[int, str]]:
    """Options a question may depend on: those of single- and multiple-choice
    questions before ``before`` (all of the poll's when None), as (id, label)."""
    choices = []
    for item in poll.questions:
        if before is not None and item.position >= before.position:
            break
        if item.kind in CONDITION_KINDS:
            for option in item.options:
                choices.append((option.id, f"{_shorten(item.text)}: {option.label}"))
    return choices


def _shorten(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


# --- polls -------------------------------------------------------------------------------------


def _clean_poll(values: Mapping[str, Any], poll: Poll | None) -> dict[str, Any]:
    """Check the poll values present in ``values``; return them normalised."""
    cleaned: dict[str, Any] = {}
    if "title" in values or poll is None:
        title = (values.get("title") or "").strip()
        if not title:
            raise PollError(_l("Enter a title."), "title")
        if len(title) > 200:
            raise PollError(_l("Keep the title to 200 characters or fewer."), "title")
        cleaned["title"] = title
    if "introduction" in values:
        cleaned["introduction"] = (values.get("introduction") or "").strip() or None
    if "language" in values:
        language = values.get("language") or "nl"
        if language not in LANGUAGES:
            raise PollError(_l("Choose Dutch or English."), "language")
        cleaned["language"] = language
    for name in ("opens_at", "closes_at"):
        if name in values:
            value = values.get(name)
            if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
                raise PollError(_l("Enter a date and time."), name)
            cleaned[name] = value.astimezone(UTC) if value is not None else None
    opens_at = cleaned.get("opens_at", poll.opens_at if poll else None)
    closes_at = cleaned.get("closes_at", poll.closes_at if poll else None)
    if opens_at and closes_at and closes_at <= opens_at:
        raise PollError(_l("The poll must close after it opens."), "closes_at")
    if "response_unit" in values:
        try:
            cleaned["response_unit"] = ResponseUnit(values.get("response_unit") or ResponseUnit.COMPANY)
        except ValueError:
            raise PollError(_l("Choose one response per company or per person."), "response_unit") from None
    if "anonymous" in values:
        cleaned["anonymous"] = bool(values.get("anonymous"))
    if "names_to_members" in values:
        cleaned["names_to_members"] = bool(values.get("names_to_members"))
    if "match_threshold" in values:
        cleaned["match_threshold"] = _threshold(values.get("match_threshold"))
    return cleaned


def _threshold(value: Any) -> int | None:
    if value in (None, ""):
        return None  # the plugin setting applies
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 1 <= number <= MAX_THRESHOLD:
        raise PollError(
            _l("Enter a whole number from 1 to %(max)s, or leave it empty.", max=MAX_THRESHOLD),
            "match_threshold",
        )
    return number


def _changed(target, cleaned: Mapping[str, Any]) -> list[str]:
    return sorted(name for name, value in cleaned.items() if getattr(target, name) != value)


def create_poll(values: Mapping[str, Any], *, actor) -> Poll:
    """A new draft poll without questions."""
    cleaned = _clean_poll(values, None)
    poll = Poll(state=PollState.DRAFT, created_by_id=getattr(actor, "id", None), **cleaned)
    db.session.add(poll)
    db.session.flush()
    record("poll.created", actor=actor, target=poll)
    return poll


def update_poll(poll: Poll, values: Mapping[str, Any], *, actor) -> Poll:
    """Change a poll's settings (the lock rule applies to anonymity, unit and language)."""
    cleaned = _clean_poll(values, poll)
    changed = _changed(poll, cleaned)
    locked = [name for name in POLL_LOCKED_FIELDS if name in changed]
    # Respondents were told their company's name stays with the board: showing it to members
    # later would break that (hiding it again keeps every promise).
    if cleaned.get("names_to_members") and not poll.names_to_members:
        locked.append("names_to_members")
    if locked and has_responses(poll):
        raise PollError(LOCKED_MESSAGE, locked[0], locked=True)
    for name, value in cleaned.items():
        setattr(poll, name, value)
    if changed:
        db.session.flush()
        record("poll.updated", actor=actor, target=poll, details={"changed": changed})
    return poll


def copy_poll(poll: Poll, *, actor) -> Poll:
    """A new draft with the same settings and items; no invitations or responses."""
    title = _("%(title)s (copy)", title=poll.title)
    if len(title) > 200:
        title = poll.title[: 200 - (len(title) - len(poll.title))] + title[len(poll.title) :]
    copy = Poll(
        title=title,
        introduction=poll.introduction,
        language=poll.language,
        state=PollState.DRAFT,
        opens_at=poll.opens_at,
        closes_at=poll.closes_at,
        response_unit=poll.response_unit,
        anonymous=poll.anonymous,
        names_to_members=poll.names_to_members,
        audience=poll.audience,
        audience_filter=dict(poll.audience_filter or {}),
        # A new round starts unpublished; its results are not the original's.
        results_visibility=ResultsVisibility.BOARD,
        match_threshold=poll.match_threshold,
        created_by_id=getattr(actor, "id", None),
    )
    option_map: dict[int, PollOption] = {}
    conditions: list[tuple[PollQuestion, int]] = []
    for item in poll.questions:
        new_item = PollQuestion(
            position=item.position,
            kind=item.kind,
            text=item.text,
            help_text=item.help_text,
            required=item.required,
            settings=dict(item.settings or {}),
        )
        for option in item.options:
            new_option = PollOption(position=option.position, label=option.label, theme_id=option.theme_id)
            new_item.options.append(new_option)
            option_map[option.id] = new_option
        if item.condition_option_id is not None:
            conditions.append((new_item, item.condition_option_id))
        copy.questions.append(new_item)
    db.session.add(copy)
    db.session.flush()
    # Conditions point at options; the copy's must point at the copy's own options.
    for new_item, old_option_id in conditions:
        target = option_map.get(old_option_id)
        new_item.condition_option_id = target.id if target is not None else None
    db.session.flush()
    record("poll.copied", actor=actor, target=copy, details={"from_poll_id": poll.id})
    return copy


def delete_poll(poll: Poll, *, actor) -> None:
    """Delete a poll with its items, invitations, responses and answers."""
    record("poll.deleted", actor=actor, target=poll, details={"state": str(poll.state)})
    # Explicit deletes, children first: the database's ON DELETE CASCADE is not
    # something every engine in use enforces (SQLite needs a pragma).
    tallies.forget(poll)
    db.session.execute(delete(PollAnswer).where(PollAnswer.poll_id == poll.id))
    db.session.execute(delete(PollResponse).where(PollResponse.poll_id == poll.id))
    db.session.execute(delete(PollSealedResponse).where(PollSealedResponse.poll_id == poll.id))
    delete_tokens(ANSWER_LINK, select(PollInvitation.id).where(PollInvitation.poll_id == poll.id))
    db.session.execute(delete(PollInvitation).where(PollInvitation.poll_id == poll.id))
    for item in poll.questions:
        item.condition_option_id = None
    db.session.flush()
    db.session.delete(poll)
    db.session.flush()


def open_poll(poll: Poll, *, actor) -> Poll:
    """Publish a draft: it needs a question, and a closing time after the opening
    time and in the future."""
    if poll.state != PollState.DRAFT:
        raise PollError(_l("Only a draft poll can be opened; a closed poll can be reopened."))
    if not any(item.is_question for item in poll.questions):
        raise PollError(_l("Add at least one question before opening the poll."))
    if poll.opens_at is None or poll.closes_at is None:
        raise PollError(_l("Set when the poll opens and closes before opening it."), "closes_at")
    if poll.closes_at <= poll.opens_at:
        raise PollError(_l("The poll must close after it opens."), "closes_at")
    if poll.closes_at <= utcnow():
        raise PollError(_l("The closing time has passed; choose a later one first."), "closes_at")
    poll.state = PollState.OPEN
    poll.closed_at = None
    db.session.flush()
    record("poll.opened", actor=actor, target=poll)
    return poll


def close_poll(poll: Poll, *, actor) -> Poll:
    """Stop accepting answers now."""
    if poll.state != PollState.OPEN:
        raise PollError(_l("Only an open poll can be closed."))
    poll.state = PollState.CLOSED
    poll.closed_at = utcnow()
    db.session.flush()
    record("poll.closed", actor=actor, target=poll)
    return poll


def reopen_poll(poll: Poll, *, actor) -> Poll:
    """Accept answers again, until the closing time (which must still be ahead)."""
    if poll.state != PollState.CLOSED:
        raise PollError(_l("Only a closed poll can be reopened."))
    if poll.closes_at is None or poll.closes_at <= utcnow():
        raise PollError(_l("The closing time has passed; set a later closing time first."), "closes_at")
    poll.state = PollState.OPEN
    poll.closed_at = None
    db.session.flush()
    record("poll.reopened", actor=actor, target=poll)
    return poll


# --- questions ---------------------------------------------------------------------------------


def add_question(poll: Poll, kind: Any, values: Mapping[str, Any], *, actor) -> PollQuestion:
    """Add a section or question at the end of the poll."""
    kind = question_kind(kind)
    position = max((item.position for item in poll.questions), default=-1) + 1
    cleaned = clean_question(poll, kind, values, None, position)
    if has_responses(poll):
        check_lock(None, cleaned)
    question = PollQuestion(
        position=position,
        kind=kind,
        text=cleaned["text"],
        help_text=cleaned["help_text"],
        required=cleaned["required"],
        settings=cleaned["settings"],
        condition_option_id=cleaned["condition_option_id"],
    )
    sync_options(question, poll, cleaned)
    poll.questions.append(question)
    db.session.flush()
    record(
        "poll.questions_changed",
        actor=actor,
        target=poll,
        details={"added": question.id, "kind": str(kind)},
    )
    return question


def update_question(question: PollQuestion, values: Mapping[str, Any], *, actor) -> PollQuestion:
    """Change a question; keys missing from ``values`` keep their current value."""
    poll = question.poll
    kind = question_kind(values["kind"]) if "kind" in values else question.kind
    cleaned = clean_question(poll, kind, values, question, question.position)
    if has_responses(poll):
        check_lock(question, cleaned)
    changed = [
        name
        for name in ("kind", "text", "help_text", "required", "settings", "condition_option_id")
        if getattr(question, name) != cleaned[name]
    ]
    before = [(option.label, option.theme_id) for option in question.options]
    for name in ("kind", "text", "help_text", "required", "settings", "condition_option_id"):
        setattr(question, name, cleaned[name])
    sync_options(question, poll, cleaned)
    db.session.flush()
    if [(option.label, option.theme_id) for option in question.options] != before:
        changed.append("options")
    cleared = clear_stale_conditions(poll)
    db.session.flush()
    if changed:
        record(
            "poll.questions_changed",
            actor=actor,
            target=poll,
            details={"updated": question.id, "changed": changed, "conditions_cleared": cleared},
        )
    return question


def remove_question(question: PollQuestion, *, actor) -> None:
    """Remove a question; later questions depending on it lose their condition."""
    poll = question.poll
    if has_responses(poll):
        raise PollError(LOCKED_MESSAGE, locked=True)
    question_id = question.id
    poll.questions.remove(question)
    db.session.flush()
    renumber(poll)
    cleared = clear_stale_conditions(poll)
    db.session.flush()
    record(
        "poll.questions_changed",
        actor=actor,
        target=poll,
        details={"removed": question_id, "conditions_cleared": cleared},
    )


def move_question(question: PollQuestion, direction: str, *, actor) -> bool:
    """Move an item one place ``"up"`` or ``"down"``; False when already at that end.

    A question moved before the question its condition depends on (or the other
    way round) loses that condition; with responses such a move is refused.
    """
    if direction not in ("up", "down"):
        raise PollError(_l("Choose up or down."), "direction")
    poll = question.poll
    renumber(poll)
    items = list(poll.questions)
    items.sort(key=lambda item: item.position)
    index = items.index(question)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    conditions = {item.id: item.condition_option_id for item in items}
    for position, item in enumerate(items):
        item.position = position
    poll.questions.sort(key=lambda item: item.position)
    cleared = clear_stale_conditions(poll)
    if cleared and has_responses(poll):
        # Undo: the move would silently drop a condition answers were given under.
        for item in items:
            item.condition_option_id = conditions[item.id]
        items[index], items[other] = items[other], items[index]
        for position, item in enumerate(items):
            item.position = position
        poll.questions.sort(key=lambda item: item.position)
        raise PollError(
            _l("This poll already has responses: this move would break a condition, so it is not allowed."),
            locked=True,
        )
    db.session.flush()
    record(
        "poll.questions_changed",
        actor=actor,
        target=poll,
        details={"moved": question.id, "direction": direction, "conditions_cleared": cleared},
    )
    return True
