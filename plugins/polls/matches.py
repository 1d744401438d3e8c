"""Cooperation matches of a poll: per theme of its theme-interest questions, how
many companies are interested and how many are willing to take the lead, the
threshold that makes a theme a match, and the theme page's count of polls.

A match counts companies, each once however many of its people answered.
An anonymous poll answered per person cannot: nothing may tie an answer to a
company (a per-company marker would itself tell which company is interested),
so there a match counts people, and ``counts_people`` tells the pages to say so.

Counts come from the results' running counts where every response stands for
another company (or person, as above); otherwise one COUNT(DISTINCT company)
over the answers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, distinct, func, select

from kringwerk.plugin_api import (
    Company,
    CooperationMatch,
    Tenant,
    ThemeActivity,
    current_tenant,
    db,
    external_url,
    hookimpl,
    plugin_settings,
)
from plugins.polls.models import (
    InterestLevel,
    Poll,
    PollAnswer,
    PollOption,
    PollQuestion,
    PollResponse,
    PollState,
    QuestionKind,
    ResponseStatus,
    ResponseUnit,
)
from plugins.polls.results import QuestionItem, answer_groups, poll_questions

DEFAULT_MATCH_THRESHOLD = 3


def counts_people(poll: Poll) -> bool:
    """Whether the poll's matches count people rather than companies (see the module docstring)."""
    return bool(poll.anonymous) and poll.response_unit == ResponseUnit.PERSON


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


def _theme_options(questions: list[QuestionItem]) -> dict[int, list[int]]:
    """theme id -> the theme-interest options asking about it, in the poll's order."""
    options: dict[int, list[int]] = {}
    for question in questions:
        if question.kind == QuestionKind.THEME_INTEREST:
            for option in question.options:
                if option.theme_id is not None:
                    options.setdefault(option.theme_id, []).append(option.id)
    return options


def _theme_names(questions: list[QuestionItem]) -> dict[int, tuple[str, str]]:
    """theme id -> (Dutch, English) name, as the questions' options read them with the theme."""
    return {
        option.theme_id: (option.theme_name_nl, option.theme_name_en)
        for question in questions
        if question.kind == QuestionKind.THEME_INTEREST
        for option in question.options
        if option.theme_id is not None and option.theme_name_nl is not None
    }


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
    questions: list[QuestionItem] | None = None,
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
    themes = _theme_names(questions)  # read with the questions: no statement of its own
    # In a request the page's language, as Theme.name; outside one (jobs, exports) the poll's.
    language = _request_language() if has_request_context() else poll.language
    if groups is None:
        groups, _respondents = answer_groups(poll, [o for options in theme_options.values() for o in options])
    counts = _theme_counts(poll, theme_options, groups)
    companies = _companies(poll, theme_options) if with_companies else {}
    source_url = external_url("polls.results", poll_id=poll.id) if current_tenant() is not None else None
    result = []
    for each in theme_options:
        names = themes.get(each)
        if names is None:
            continue
        interested, leading = counts.get(each, (0, 0))
        listed = tuple(companies.get(each, ()))
        match = CooperationMatch(
            theme_id=each,
            theme_name=names[1] if language == "en" else names[0],
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


def _request_language() -> str:
    """The page's language as ``Theme.name`` reads it (Dutch when there is none)."""
    try:
        return get_locale().language
    except (RuntimeError, AttributeError):
        return "nl"


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
