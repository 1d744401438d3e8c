"""Accessible bar charts drawn on the server as SVG.

A chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that
reads the numbers out, and every bar carries its label, count and percentage
as text, so nothing depends on colour or on hovering. The template shows the
same numbers in a table next to it. No ``style`` attributes (the CSP allows
styles only from files): colours come from classes in polls.css, sizes from
SVG presentation attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import count

from babel import Locale
from babel.numbers import LC_NUMERIC, NumberPattern, parse_pattern
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

WIDTH = 640
LABEL_HEIGHT = 18  # the bar's label sits above the bar, so long labels need no truncation
BAR_HEIGHT = 16
GAP = 10
BAR_SPACE = 470  # the widest bar; the rest of the width holds "count (percent)"

_ids = count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # what the bar's length shows
    text: str  # what is written next to it, e.g. "12 (40.0%)"


NUMBER, PERCENT = "#,##0.#", "#,##0.#%"


@cache
def _pattern(pattern: str) -> NumberPattern:
    # Babel's format_decimal/format_percent parse the pattern again on every call; the results
    # page formats a few hundred numbers with these two, so each is parsed once per process.
    return parse_pattern(pattern)


def page_locale() -> Locale:
    """The locale numbers are written in: the page's (see ``flask_babel.get_locale``)."""
    return Locale.parse(get_locale() or LC_NUMERIC)


def _formatted(value: float, pattern: str, locale: Locale | None = None) -> str:
    """What ``flask_babel.format_decimal``/``format_percent`` give, without re-parsing ``pattern``.

    ``locale``: the page's, when the caller looked it up once for many numbers (a chart)."""
    locale = locale or page_locale()
    if isinstance(value, float) and value == 0:  # 0.0 and -0.0 are one key but may read differently
        return _pattern(pattern).apply(value, locale)
    return _written(value, pattern, locale)


@lru_cache(maxsize=4096, typed=True)
def _written(value: float, pattern: str, locale: Locale) -> str:
    # The same few counts and percentages come back on every results page (and in every
    # summary export): each text is written once per process, language and pattern
    # (Babel's apply was about a tenth of the results page). Bounded: values are numbers.
    return _pattern(pattern).apply(value, locale)


def format_number(value: float | None, locale: Locale | None = None) -> str:
    """A number in the page's language (a decimal comma in Dutch), at most one decimal."""
    if value is None:
        return "–"
    return _formatted(value, NUMBER, locale)


def format_fraction(fraction: float, locale: Locale | None = None) -> str:
    """A share kept as 0-1 as a percentage in the page's language: 0.851 is "85,1%" in Dutch."""
    return _formatted(fraction, PERCENT, locale)


def format_share(percent: float | None, locale: Locale | None = None) -> str:
    """A percentage kept as 0-100, in the page's language: 85.1 is "85,1%" in Dutch."""
    if percent is None:
        return "–"
    return format_fraction(percent / 100, locale)


def count_text(count_: int, percent: float | None, locale: Locale | None = None) -> str:
    if percent is None:
        return format_number(count_, locale)
    return f"{format_number(count_, locale)} ({format_share(percent, locale)})"


def bar_chart(title: str, bars: list[Bar], *, description: str | None = None, css_class: str = "") -> Markup:
    """An SVG with one horizontal bar per item, longest value = full width."""
    n = next(_ids)
    title_id, desc_id = f"poll-chart-{n}-title", f"poll-chart-{n}-desc"
    row = LABEL_HEIGHT + BAR_HEIGHT + GAP
    height = max(row * len(bars), row)
    largest = max((bar.value for bar in bars), default=0) or 1
    spoken = description or "; ".join(f"{bar.label}: {bar.text}" for bar in bars) or _("No answers yet.")
    parts = [
        f'<svg class="poll-chart {escape(css_class)}" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="{title_id} {desc_id}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(spoken)}</desc>',
    ]
    for index, bar in enumerate(bars):
        top = index * row
        length = round(BAR_SPACE * max(bar.value, 0) / largest, 1)
        parts.append(
            f'<g class="poll-chart__row">'
            f'<text class="poll-chart__label" x="0" y="{top + LABEL_HEIGHT - 5}">{escape(bar.label)}</text>'
            f'<rect class="poll-chart__track" x="0" y="{top + LABEL_HEIGHT}" width="{BAR_SPACE}" '
            f'height="{BAR_HEIGHT}"></rect>'
            f'<rect class="poll-chart__bar" x="0" y="{top + LABEL_HEIGHT}" width="{length}" '
            f'height="{BAR_HEIGHT}"></rect>'
            f'<text class="poll-chart__value" x="{BAR_SPACE + 8}" y="{top + LABEL_HEIGHT + BAR_HEIGHT - 3}">'
            f"{escape(bar.text)}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def question_bars(result) -> list[Bar]:
    """The bars for a ``results.QuestionResult`` of any kind but text."""
    from plugins.polls.models import InterestLevel, QuestionKind

    kind = result.question.kind
    locale = page_locale()  # once per chart, not once per number
    if kind == QuestionKind.SCALE:
        return [Bar(str(value), n, count_text(n, pct, locale)) for value, n, pct in result.distribution]
    if kind == QuestionKind.RANKING:
        return [
            Bar(
                item.label,
                item.first or 0,
                _(
                    "%(count)s first (%(percent)s)",
                    count=item.first or 0,
                    percent=format_share(item.first_percent, locale),
                ),
            )
            for item in result.options
        ]
    if kind == QuestionKind.POINTS:
        return [
            Bar(
                item.label,
                item.total or 0,
                _(
                    "%(total)s points (%(percent)s)",
                    total=format_number(item.total, locale),
                    percent=format_share(item.percent, locale),
                ),
            )
            for item in result.options
        ]
    if kind == QuestionKind.THEME_INTEREST:
        levels = [(level.value, str(level.label)) for level in (InterestLevel.INTERESTED, InterestLevel.LEAD)]
        bars = []
        for item in result.options:
            for value, label in levels:
                n = item.levels.get(value, 0)
                bars.append(
                    Bar(f"{item.label}: {label}", n, count_text(n, item.level_percent(value), locale))
                )
        return bars
    return [
        Bar(item.label, item.count, count_text(item.count, item.percent, locale)) for item in result.options
    ]


def question_chart(result) -> Markup:
    """The chart of one question's result, or nothing for text and number questions."""
    from plugins.polls.models import QuestionKind

    if result.question.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT, QuestionKind.NUMBER):
        return Markup("")
    return bar_chart(
        result.question.text, question_bars(result), css_class=f"poll-chart--{result.question.kind}"
    )
