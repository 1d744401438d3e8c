"""Results of a poll, computed with SQL aggregates: per question the counts,
percentages and averages, and the open answers; with the response rates
(``rates``) for the results page. The cooperation matches are in ``matches``.

Everything here runs without a request. The number of statements is fixed by
the poll's structure, never by the number of responses. The per-question figures
come from the running counts kept at submission (``tallies``): a few rows per
question, so a poll with 10,000 responses reads as little as one with ten. Only
what needs the answers themselves (open answers, the companies of a match, themes
counted per company across several questions) reads ``poll_answers``.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, literal, select

from kringwerk.plugin_api import (
    Company,
    Theme,
    db,
)
from plugins.polls import tallies
from plugins.polls.models import (
    InterestLevel,
    Poll,
    PollAnswer,
    PollOption,
    PollQuestion,
    PollResponse,
    PollTally,
    QuestionKind,
    ResponseStatus,
)
from plugins.polls.rates import Rate, percent, response_rates

TEXT_KINDS = frozenset({QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT})
NUMBER_KINDS = frozenset({QuestionKind.SCALE, QuestionKind.NUMBER})


# --- the result structure ------------------------------------------------------------------


@dataclass
class OptionResult:
    """One option of a question. Which fields are filled depends on the kind:
    choices ``count``; ranking ``count`` (responses ranking it), ``average``
    (rank) and ``first``; points ``average`` and ``total``; theme interest
    ``levels`` (InterestLevel -> count)."""

    option: OptionItem
    count: int = 0
    percent: float | None = None
    average: float | None = None
    total: float | None = None
    first: int | None = None
    first_percent: float | None = None
    levels: dict[int, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.option.label

    def level_percent(self, level: int) -> float | None:
        return percent(self.levels.get(level, 0), sum(self.levels.values()))


@dataclass
class QuestionResult:
    question: QuestionItem
    answered: int = 0  # responses that answered this question
    options: list[OptionResult] = field(default_factory=list)
    # scale and number
    average: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    distribution: list[tuple[int, int, float | None]] = field(default_factory=list)  # scale: value, count, %

    @property
    def kind(self) -> QuestionKind:
        return self.question.kind

    @property
    def is_text(self) -> bool:
        return self.question.kind in TEXT_KINDS


@dataclass
class PollResults:
    poll: Poll
    submitted: int
    rate: Rate
    by_park: list[Rate]
    by_circle: list[Rate]
    by_sector: list[Rate]
    questions: list[QuestionResult]
    # What was read, so theme_matches(..., questions=, groups=) need not read it again.
    items: list[QuestionItem] = field(default_factory=list, repr=False)
    groups: dict = field(default_factory=dict, repr=False)


# --- loading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OptionItem:
    """What the results read of an option (plain columns, not the ORM entity); for theme
    interest the theme's names too."""

    id: int
    position: int
    label: str
    theme_id: int | None = None
    theme_name_nl: str | None = None
    theme_name_en: str | None = None


@dataclass(frozen=True, slots=True)
class QuestionItem:
    """What the results read of a question (plain columns, not the ORM entity)."""

    id: int
    position: int
    kind: QuestionKind
    text: str
    settings: dict[str, Any]
    options: list[OptionItem] = field(default_factory=list)


@functools.cache
def _questions_statement() -> Select:
    """The poll's questions (sections left out) with their options and the themes asked
    about, as columns: one statement. Built once per process with a bound ``poll_id``
    (the tenant scope is added when it runs, to every table of the join)."""
    return (
        select(
            PollQuestion.id,
            PollQuestion.position,
            PollQuestion.kind,
            PollQuestion.text,
            PollQuestion.settings,
            PollOption.id,
            PollOption.position,
            PollOption.label,
            PollOption.theme_id,
            Theme.name_nl,
            Theme.name_en,
        )
        .select_from(PollQuestion)
        .outerjoin(
            PollOption,
            and_(PollOption.question_id == PollQuestion.id, PollOption.tenant_id == PollQuestion.tenant_id),
        )
        .outerjoin(Theme, and_(Theme.id == PollOption.theme_id, Theme.tenant_id == PollOption.tenant_id))
        .where(PollQuestion.poll_id == bindparam("poll_id"), PollQuestion.kind != QuestionKind.SECTION)
        .order_by(PollQuestion.position, PollQuestion.id, PollOption.position, PollOption.id)
    )


def poll_questions(poll: Poll) -> list[QuestionItem]:
    """The poll's questions (sections left out) in order, each with its options in order:
    one statement of plain columns."""
    questions: list[QuestionItem] = []
    for qid, qpos, kind, text, settings, oid, opos, label, theme_id, name_nl, name_en in db.session.execute(
        _questions_statement(), {"poll_id": poll.id}
    ):
        if not questions or questions[-1].id != qid:
            questions.append(QuestionItem(qid, qpos, kind, text, settings or {}))
        if oid is not None:
            questions[-1].options.append(OptionItem(oid, opos, label, theme_id, name_nl, name_en))
    return questions


@functools.cache
def _submitted_statement() -> Select:
    return select(func.count(PollResponse.id)).where(
        PollResponse.poll_id == bindparam("poll_id"), PollResponse.status == ResponseStatus.SUBMITTED
    )


def submitted_count(poll: Poll) -> int:
    return db.session.scalar(_submitted_statement(), {"poll_id": poll.id})


@functools.cache
def _poll_with_submitted_statement() -> Select:
    """The poll and its number of submitted responses in one statement (bound ``poll_id``)."""
    submitted = (
        select(func.count(PollResponse.id))
        .where(PollResponse.poll_id == Poll.id, PollResponse.status == ResponseStatus.SUBMITTED)
        .correlate(Poll)
        .scalar_subquery()
    )
    return select(Poll, submitted).where(Poll.id == bindparam("poll_id"))


def poll_with_submitted(poll_id: int) -> tuple[Poll, int] | None:
    """The poll ``poll_id`` of the tenant in scope with its number of submitted responses
    (one statement, for the results page), or None (missing, or another tenant's)."""
    row = db.session.execute(_poll_with_submitted_statement(), {"poll_id": poll_id}).first()
    return (row[0], row[1] or 0) if row is not None else None


# --- per question ----------------------------------------------------------------------------


@functools.cache
def _tallies_statement(some_options: bool) -> Select:
    """The poll's running counts (bound ``poll_id``; ``option_ids`` when ``some_options``)."""
    statement = select(
        PollTally.question_id, PollTally.option_id, PollTally.value_number, PollTally.count, PollTally.bucket
    ).where(PollTally.poll_id == bindparam("poll_id"), PollTally.count > 0)
    if some_options:
        statement = statement.where(PollTally.option_id.in_(bindparam("option_ids", expanding=True)))
    return statement


def answer_groups(
    poll: Poll, option_ids: list[int] | None = None
) -> tuple[dict[int, list[tuple[int | None, float | None, int]]], dict[int, int]]:
    """question id -> [(option id, value, count)] of submitted answers, and question id ->
    the number of responses that answered it: one statement over the poll's running
    counts (``tallies``), a few rows per question however many responses there are."""
    if option_ids is None:
        rows = db.session.execute(_tallies_statement(False), {"poll_id": poll.id})
    else:
        rows = db.session.execute(_tallies_statement(True), {"poll_id": poll.id, "option_ids": option_ids})
    groups: dict[int, list] = defaultdict(list)
    respondents: dict[int, int] = {}
    for question_id, option_id, value, count, bucket in rows:
        if bucket == tallies.RESPONDENTS:
            respondents[question_id] = count
        else:
            groups[question_id].append((option_id, value, count))
    return groups, respondents


def _question_result(question: QuestionItem, groups: list, respondents: dict[int, int]) -> QuestionResult:
    result = QuestionResult(question)
    kind = question.kind
    if kind in TEXT_KINDS:
        result.answered = sum(count for _o, _v, count in groups)
        return result
    if kind in NUMBER_KINDS:
        values = [(value, count) for _o, value, count in groups if value is not None]
        result.answered = sum(count for _v, count in values)
        if values:
            result.average = round(sum(v * c for v, c in values) / result.answered, 2)
            result.minimum = min(v for v, _c in values)
            result.maximum = max(v for v, _c in values)
        if kind == QuestionKind.SCALE:
            low, high = (0, 10) if question.settings.get("scale") == "0-10" else (1, 5)
            counts = defaultdict(int)
            for value, count in values:
                counts[int(value)] += count
            result.distribution = [
                (value, counts[value], percent(counts[value], result.answered))
                for value in range(low, high + 1)
            ]
        return result

    by_option: dict[int, list[tuple[float | None, int]]] = defaultdict(list)
    for option_id, value, count in groups:
        if option_id is not None:
            by_option[option_id].append((value, count))
    options = [OptionResult(option) for option in question.options]
    for item in options:
        rows = by_option.get(item.option.id, [])
        item.count = sum(count for _v, count in rows)
        if kind == QuestionKind.RANKING:
            ranked = [(v, c) for v, c in rows if v is not None]
            if ranked:
                item.average = round(sum(v * c for v, c in ranked) / sum(c for _v, c in ranked), 2)
            item.first = sum(c for v, c in ranked if v == 1)
        elif kind == QuestionKind.POINTS:
            item.total = sum((v or 0) * c for v, c in rows)
        elif kind == QuestionKind.THEME_INTEREST:
            item.levels = {level.value: 0 for level in InterestLevel}
            for value, count in rows:
                if value is not None and int(value) in item.levels:
                    item.levels[int(value)] += count

    result.answered = respondents.get(question.id, 0)

    for item in options:
        if kind == QuestionKind.POINTS:
            item.average = round(item.total / result.answered, 1) if result.answered else None
            item.percent = percent(item.total, sum(o.total or 0 for o in options))
        elif kind == QuestionKind.RANKING:
            item.percent = percent(item.count, result.answered)
            item.first_percent = percent(item.first or 0, result.answered)
        elif kind != QuestionKind.THEME_INTEREST:
            item.percent = percent(item.count, result.answered)
    result.options = options
    return result


def poll_results(poll: Poll, submitted: int | None = None) -> PollResults:
    """Everything the results page shows except the open answers and the matches
    (``submitted``: the count when the caller read it with the poll already)."""
    questions = poll_questions(poll)
    groups, respondents = answer_groups(poll)
    rate, by_park, by_circle, by_sector = response_rates(poll)
    return PollResults(
        poll=poll,
        submitted=submitted_count(poll) if submitted is None else submitted,
        rate=rate,
        by_park=by_park,
        by_circle=by_circle,
        by_sector=by_sector,
        questions=[_question_result(q, groups.get(q.id, []), respondents) for q in questions],
        items=questions,
        groups=groups,
    )


# --- open answers ----------------------------------------------------------------------------


def open_answers(
    poll: Poll, question: PollQuestion, search: str | None = None, *, with_names: bool = False
) -> Select:
    """A select of the text answers to ``question`` (rows: text, company name, submitted at),
    newest first, for ``kringwerk.web.pagination.paginate(..., scalars=False)``.

    The company name is NULL unless ``with_names`` (the viewer may see names) and
    the poll is not anonymous (its responses keep no company anyway).
    """
    show_names = with_names and not poll.anonymous
    statement = (
        select(
            PollAnswer.value_text.label("text"),
            (Company.name if show_names else literal(None)).label("company_name"),
            PollResponse.submitted_at.label("submitted_at"),
        )
        .select_from(PollAnswer)
        .join(
            PollResponse,
            and_(PollResponse.id == PollAnswer.response_id, PollResponse.tenant_id == PollAnswer.tenant_id),
        )
        .where(
            PollAnswer.poll_id == poll.id,
            PollAnswer.question_id == question.id,
            PollAnswer.value_text.is_not(None),
            PollResponse.status == ResponseStatus.SUBMITTED,
        )
        .order_by(PollResponse.submitted_at.desc(), PollAnswer.id.desc())
    )
    if show_names:
        statement = statement.outerjoin(
            Company, and_(Company.id == PollResponse.company_id, Company.tenant_id == PollResponse.tenant_id)
        )
    if search and search.strip():
        statement = statement.where(
            func.lower(PollAnswer.value_text).contains(search.strip().lower(), autoescape=True)
        )
    return statement
