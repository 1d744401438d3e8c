"""Results of a poll, computed with SQL aggregates: response rates (overall and
per business park, circle and sector), per question the counts, percentages
and averages, the open answers, and the cooperation matches per theme.

Everything here runs without a request. The number of statements is fixed by
the poll's structure, never by the number of responses. The per-question figures
come from the running counts kept at submission (``tallies``): a few rows per
question, so a poll with 10,000 responses reads as little as one with ten. Only
what needs the answers themselves (open answers, the companies of a match, themes
counted per company across several questions) reads ``poll_answers``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, distinct, func, literal, select
from sqlalchemy.orm import selectinload

from kringwerk.plugin_api import (
    BusinessPark,
    Circle,
    Company,
    CooperationMatch,
    Tenant,
    Theme,
    ThemeActivity,
    company_circles,
    current_tenant,
    db,
    external_url,
    hookimpl,
    plugin_settings,
)
from plugins.polls import tallies
from plugins.polls.models import (
    InterestLevel,
    Poll,
    PollAnswer,
    PollInvitation,
    PollOption,
    PollQuestion,
    PollResponse,
    PollState,
    PollTally,
    QuestionKind,
    ResponseStatus,
    ResponseUnit,
)

DEFAULT_MATCH_THRESHOLD = 3
TEXT_KINDS = frozenset({QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT})
NUMBER_KINDS = frozenset({QuestionKind.SCALE, QuestionKind.NUMBER})


def percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# --- the result structure ------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """Invited and responded companies (or persons) of one group; ``label`` names the group."""

    label: str
    invited: int
    responded: int

    @property
    def percent(self) -> float | None:
        return percent(self.responded, self.invited)


@dataclass
class OptionResult:
    """One option of a question. Which fields are filled depends on the kind:
    choices ``count``; ranking ``count`` (responses ranking it), ``average``
    (rank) and ``first``; points ``average`` and ``total``; theme interest
    ``levels`` (InterestLevel -> count)."""

    option: PollOption
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
    question: PollQuestion
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
    items: list[PollQuestion] = field(default_factory=list, repr=False)
    groups: dict = field(default_factory=dict, repr=False)


# --- loading ---------------------------------------------------------------------------------


def poll_questions(poll: Poll) -> list[PollQuestion]:
    """The poll's questions (sections left out) with their options: two statements."""
    return list(
        db.session.scalars(
            select(PollQuestion)
            .where(PollQuestion.poll_id == poll.id, PollQuestion.kind != QuestionKind.SECTION)
            .order_by(PollQuestion.position, PollQuestion.id)
            .options(selectinload(PollQuestion.options))
        )
    )


def submitted_count(poll: Poll) -> int:
    return db.session.scalar(
        select(func.count(PollResponse.id)).where(
            PollResponse.poll_id == poll.id, PollResponse.status == ResponseStatus.SUBMITTED
        )
    )


# --- response rates --------------------------------------------------------------------------


def _rate_columns(poll: Poll):
    """(invited, responded) aggregate columns for the poll's unit of response."""
    if poll.response_unit == ResponseUnit.COMPANY:
        responded = case((PollInvitation.responded_at.is_not(None), PollInvitation.company_id))
        return func.count(distinct(PollInvitation.company_id)), func.count(distinct(responded))
    return func.count(PollInvitation.id), func.count(PollInvitation.responded_at)


def response_rates(poll: Poll) -> tuple[Rate, list[Rate], list[Rate], list[Rate]]:
    """Overall, per business park, per circle and per sector: two grouped statements.

    Every invitation falls in exactly one (park, sector) pair (a company has one of
    each, or none), so the overall, per-park and per-sector figures are sums over
    one grouping; only circles (many per company) need a statement of their own.
    """
    invited, responded = _rate_columns(poll)
    company_join = and_(
        Company.id == PollInvitation.company_id, Company.tenant_id == PollInvitation.tenant_id
    )
    pairs = db.session.execute(
        select(Company.business_park_id, Company.sector, invited, responded)
        .select_from(PollInvitation)
        .outerjoin(Company, company_join)
        .where(PollInvitation.poll_id == poll.id)
        .group_by(Company.business_park_id, Company.sector)
    ).all()
    circles = db.session.execute(
        select(company_circles.c.circle_id, invited, responded)
        .select_from(PollInvitation)
        .outerjoin(
            company_circles,
            and_(
                company_circles.c.company_id == PollInvitation.company_id,
                company_circles.c.tenant_id == PollInvitation.tenant_id,
            ),
        )
        .where(PollInvitation.poll_id == poll.id)
        .group_by(company_circles.c.circle_id)
    ).all()
    # Names of the parks and circles that occur: small tables, one statement each only when needed.
    park_ids = {park_id for park_id, _s, _n, _r in pairs if park_id is not None}
    circle_ids = {circle_id for circle_id, _n, _r in circles if circle_id is not None}
    park_names = (
        dict(
            db.session.execute(
                select(BusinessPark.id, BusinessPark.name).where(BusinessPark.id.in_(park_ids))
            ).all()
        )
        if park_ids
        else {}
    )
    circle_names = (
        dict(db.session.execute(select(Circle.id, Circle.name).where(Circle.id.in_(circle_ids))).all())
        if circle_ids
        else {}
    )

    total = [0, 0]
    by_park: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    by_sector: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    for park_id, sector, n, r in pairs:
        for bucket in (total, by_park[park_id], by_sector[sector]):
            bucket[0] += n
            bucket[1] += r

    def rates(groups: dict, names, missing) -> list[Rate]:
        # Named groups by name; the group without a park/circle/sector last, under a readable name.
        named = sorted(
            (Rate(names(key), n, r) for key, (n, r) in groups.items() if key is not None and (n or r)),
            key=lambda rate: rate.label.lower(),
        )
        unnamed = [Rate(str(missing), n, r) for key, (n, r) in groups.items() if key is None and (n or r)]
        return named + unnamed

    return (
        Rate(str(_l("All invited")), total[0], total[1]),
        rates(by_park, lambda key: park_names.get(key, "?"), _l("No business park")),
        rates({c: (n, r) for c, n, r in circles}, lambda key: circle_names.get(key, "?"), _l("No circle")),
        rates(by_sector, str, _l("No sector")),
    )


# --- per question ----------------------------------------------------------------------------


def _answer_groups(
    poll: Poll, option_ids: list[int] | None = None
) -> tuple[dict[int, list[tuple[int | None, float | None, int]]], dict[int, int]]:
    """question id -> [(option id, value, count)] of submitted answers, and question id ->
    the number of responses that answered it: one statement over the poll's running
    counts (``tallies``), a few rows per question however many responses there are."""
    statement = select(
        PollTally.question_id, PollTally.option_id, PollTally.value_number, PollTally.count, PollTally.bucket
    ).where(PollTally.poll_id == poll.id, PollTally.count > 0)
    if option_ids is not None:
        statement = statement.where(PollTally.option_id.in_(option_ids))
    groups: dict[int, list] = defaultdict(list)
    respondents: dict[int, int] = {}
    for question_id, option_id, value, count, bucket in db.session.execute(statement):
        if bucket == tallies.RESPONDENTS:
            respondents[question_id] = count
        else:
            groups[question_id].append((option_id, value, count))
    return groups, respondents


def _question_result(question: PollQuestion, groups: list, respondents: dict[int, int]) -> QuestionResult:
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


def poll_results(poll: Poll) -> PollResults:
    """Everything the results page shows except the open answers and the matches."""
    questions = poll_questions(poll)
    groups, respondents = _answer_groups(poll)
    rate, by_park, by_circle, by_sector = response_rates(poll)
    return PollResults(
        poll=poll,
        submitted=submitted_count(poll),
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


# --- cooperation matches ---------------------------------------------------------------------


def match_threshold(poll: Poll) -> int:
    """The poll's own threshold, else the tenant's plugin setting, else 3."""
    if poll.match_threshold is not None:
        return poll.match_threshold
    return default_match_threshold(db.session.get(Tenant, poll.tenant_id))


def default_match_threshold(tenant) -> int:
    """The tenant's plugin setting for polls without a threshold of their own, else 3."""
    value = plugin_settings(tenant, "polls").get("match_threshold", DEFAULT_MATCH_THRESHOLD)
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return DEFAULT_MATCH_THRESHOLD


@dataclass(frozen=True)
class ThemeMatch:
    """A theme's match with whether it reaches the threshold, and the companies' names
    (empty unless asked for, and always for anonymous polls)."""

    match: CooperationMatch
    highlighted: bool
    companies: tuple[tuple[int, str], ...] = ()


def _theme_options(questions: list[PollQuestion]) -> dict[int, list[int]]:
    """theme id -> the theme-interest options asking about it, in the poll's order."""
    options: dict[int, list[int]] = {}
    for question in questions:
        if question.kind == QuestionKind.THEME_INTEREST:
            for option in question.options:
                if option.theme_id is not None:
                    options.setdefault(option.theme_id, []).append(option.id)
    return options


def _matches_base(poll: Poll, option_ids: list[int]) -> Select:
    return (
        select()
        .select_from(PollAnswer)
        .join(
            PollResponse,
            and_(PollResponse.id == PollAnswer.response_id, PollResponse.tenant_id == PollAnswer.tenant_id),
        )
        .join(
            PollOption,
            and_(PollOption.id == PollAnswer.option_id, PollOption.tenant_id == PollAnswer.tenant_id),
        )
        .where(
            PollAnswer.poll_id == poll.id,
            PollAnswer.option_id.in_(option_ids),
            PollResponse.status == ResponseStatus.SUBMITTED,
        )
    )


def _theme_counts(poll: Poll, theme_options: dict[int, list[int]], groups) -> dict[int, tuple[int, int]]:
    """theme id -> (interested, leading), companies counted once.

    When every response stands for a different company (one response per company,
    or an anonymous poll where each response counts) and a theme is asked once, the
    rows of the results aggregate already are the answer: no statement at all. Themes
    asked in several questions, and polls of one response per person, need a
    COUNT(DISTINCT company) over the answers (one statement).
    """
    per_response = poll.response_unit == ResponseUnit.COMPANY or poll.anonymous
    by_option: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for rows in groups.values():
        for option_id, value, count in rows:
            if option_id is not None and value is not None:
                if value >= InterestLevel.INTERESTED:
                    by_option[option_id][0] += count
                if value >= InterestLevel.LEAD:
                    by_option[option_id][1] += count
    counts: dict[int, tuple[int, int]] = {}
    distinct_needed: list[int] = []
    for theme_id, option_ids in theme_options.items():
        if per_response and len(option_ids) == 1:
            counts[theme_id] = tuple(by_option.get(option_ids[0], (0, 0)))
        else:
            distinct_needed.append(theme_id)
    if distinct_needed:
        level = PollAnswer.value_number
        # Negative response ids cannot collide with company ids, so one COUNT(DISTINCT) does both.
        who = case((PollResponse.company_id.is_not(None), PollResponse.company_id), else_=-PollResponse.id)
        option_ids = [o for theme_id in distinct_needed for o in theme_options[theme_id]]
        rows = db.session.execute(
            _matches_base(poll, option_ids)
            .add_columns(
                PollOption.theme_id,
                func.count(distinct(case((level >= InterestLevel.INTERESTED, who)))),
                func.count(distinct(case((level >= InterestLevel.LEAD, who)))),
            )
            .group_by(PollOption.theme_id)
        )
        for theme_id, interested, leading in rows:
            counts[theme_id] = (interested, leading)
    return counts


def _companies(poll: Poll, theme_options: dict[int, list[int]]) -> dict[int, list[tuple[int, str]]]:
    """theme id -> [(company id, name)] of the companies interested, by name (one statement)."""
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if poll.anonymous or not theme_options:
        return found
    rows = db.session.execute(
        _matches_base(poll, [o for options in theme_options.values() for o in options])
        .add_columns(PollOption.theme_id, Company.id, Company.name)
        .join(
            Company, and_(Company.id == PollResponse.company_id, Company.tenant_id == PollResponse.tenant_id)
        )
        .where(PollAnswer.value_number >= InterestLevel.INTERESTED)
        .distinct()
    )
    # Sorted here: PostgreSQL refuses ORDER BY lower(name) on a SELECT DISTINCT without it.
    for theme_id, company_id, name in sorted(rows, key=lambda row: (row[0], row[2].lower(), row[1])):
        found[theme_id].append((company_id, name))
    return found


def theme_matches(
    poll: Poll,
    threshold: int | None = None,
    *,
    with_companies: bool = False,
    theme_id: int | None = None,
    questions: list[PollQuestion] | None = None,
    groups: dict | None = None,
) -> list[ThemeMatch]:
    """Per theme of the poll's theme-interest questions (or only ``theme_id``): how many
    companies are interested (level >= 1) and willing to lead (level 2), most interest first.

    Companies are counted once however many of their people answered; a response
    without a company (anonymous, or a panel member of no company) counts on its own.
    ``with_companies`` adds the companies (ids on the match, ids and names on the
    ThemeMatch; never for anonymous polls): one statement reading every interested
    answer, so the results page leaves it to the page of one match. ``questions``
    and ``groups`` reuse what ``poll_results`` already read.
    """
    threshold = match_threshold(poll) if threshold is None else threshold
    questions = poll_questions(poll) if questions is None else questions
    theme_options = _theme_options(questions)
    if theme_id is not None:
        theme_options = {k: v for k, v in theme_options.items() if k == theme_id}
    if not theme_options:
        return []
    themes = {t.id: t for t in db.session.scalars(select(Theme).where(Theme.id.in_(list(theme_options))))}
    if groups is None:
        groups, _respondents = _answer_groups(
            poll, [o for options in theme_options.values() for o in options]
        )
    counts = _theme_counts(poll, theme_options, groups)
    companies = _companies(poll, theme_options) if with_companies else {}
    source_url = external_url("polls.results", poll_id=poll.id) if current_tenant() is not None else None
    result = []
    for each in theme_options:
        theme = themes.get(each)
        if theme is None:
            continue
        interested, leading = counts.get(each, (0, 0))
        listed = tuple(companies.get(each, ()))
        match = CooperationMatch(
            theme_id=each,
            theme_name=theme.name if has_request_context() else _theme_name(theme, poll.language),
            interested=interested,
            leading=leading,
            company_ids=tuple(company_id for company_id, _name in listed),
            source=poll.title,
            source_url=source_url,
        )
        result.append(ThemeMatch(match, interested >= threshold, listed))
    result.sort(key=lambda item: (-item.match.interested, -item.match.leading, item.match.theme_name.lower()))
    return result


def cooperation_matches(poll: Poll, threshold: int | None = None) -> list[CooperationMatch]:
    """A CooperationMatch per theme of the poll, with the interested companies' ids
    (empty when anonymous); a theme is a match when ``interested >= threshold``
    (see ``theme_matches`` and ``match_threshold``)."""
    return [item.match for item in theme_matches(poll, threshold, with_companies=True)]


def _theme_name(theme: Theme, language: str) -> str:
    return theme.name_en if language == "en" else theme.name_nl


# --- the theme page ----------------------------------------------------------------------------


@hookimpl
def theme_activity(tenant, theme):
    """How many polls (drafts left out: members cannot see them) ask about ``theme``."""
    count = db.session.scalar(
        select(func.count(distinct(PollQuestion.poll_id)))
        .select_from(PollOption)
        .join(
            PollQuestion,
            and_(PollQuestion.id == PollOption.question_id, PollQuestion.tenant_id == PollOption.tenant_id),
        )
        .join(Poll, and_(Poll.id == PollQuestion.poll_id, Poll.tenant_id == PollQuestion.tenant_id))
        .where(
            PollOption.theme_id == theme.id,
            PollQuestion.kind == QuestionKind.THEME_INTEREST,
            Poll.state != PollState.DRAFT,
        )
    )
    if not count:
        return []
    return [ThemeActivity("polls", _l("Polls asking about this theme"), count, endpoint="polls.index")]
