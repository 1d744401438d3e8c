"""The results page's numbers and percentages (``charts.format_number``,
``format_share``, ``format_fraction``) read exactly as Flask-Babel's
``format_decimal``/``format_percent`` would write them, in Dutch and English, while
each pattern is parsed once per process instead of once per number (issue 15: the
results page formatted a few hundred numbers per request, each re-parsing its pattern)."""

from __future__ import annotations

from decimal import Decimal

import babel.numbers
import pytest
from flask_babel import force_locale, format_decimal, format_percent

from plugins.polls import charts
from plugins.polls.rates import Rate

VALUES = [0, 1, 7, 12.25, 12.35, 85.15, 99.95, 12500, 1234567.89, -3.5, Decimal("2.05"), 0.04]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_same_text_as_flask_babel(app, language):
    with app.test_request_context(), force_locale(language):
        for value in VALUES:
            assert charts.format_number(value) == format_decimal(value, "#,##0.#")
            assert charts.format_share(value) == format_percent(value / 100, "#,##0.#%")
            assert charts.format_fraction(value / 100) == format_percent(value / 100, "#,##0.#%")
        assert charts.format_number(None) == charts.format_share(None) == "–"
    if language == "nl":
        with app.test_request_context(), force_locale("nl"):
            assert (charts.format_number(12500), charts.format_share(85.1)) == ("12.500", "85,1%")


def test_each_pattern_is_parsed_once_not_per_number(app, monkeypatch):
    parsed = []
    real = babel.numbers.parse_pattern

    def counting(pattern):
        parsed.append(pattern)
        return real(pattern)

    monkeypatch.setattr(babel.numbers, "parse_pattern", counting)
    monkeypatch.setattr(charts, "parse_pattern", counting)
    charts._pattern.cache_clear()
    with app.test_request_context():
        for language in ("nl", "en"):
            with force_locale(language):
                texts = [charts.count_text(n, n / 3) for n in range(1, 60)]
                summaries = [Rate("x", invited=n + 1, responded=n).summary for n in range(20)]
    assert len(texts) == 59 and all("%" in text for text in texts + summaries)
    assert sorted(parsed) == sorted([charts.NUMBER, charts.PERCENT])
    charts._pattern.cache_clear()


def test_each_text_is_written_once_per_language_and_stays_flask_babels(app):
    """Issue 15: the counts and percentages that come back on every results page are
    written once per process, language and pattern; the language is part of the key
    (Dutch and English differ), and 0.0 and -0.0 each read as Flask-Babel writes them."""
    charts._written.cache_clear()
    texts = {}
    with app.test_request_context():
        for language in ("nl", "en"):
            with force_locale(language):
                first = [charts.count_text(n, n * 12.5) for n in range(1, 9)]
                before = charts._written.cache_info()
                again = [charts.count_text(n, n * 12.5) for n in range(1, 9)]
                after = charts._written.cache_info()
                assert first == again
                assert after.hits - before.hits == 16 and after.misses == before.misses
                assert again == [
                    f"{format_decimal(n, '#,##0.#')} ({format_percent(n * 0.125, '#,##0.#%')})"
                    for n in range(1, 9)
                ]
                texts[language] = again
                for zero in (-0.0, 0.0, -0.0):
                    assert charts.format_number(zero) == format_decimal(zero, "#,##0.#")
    assert texts["nl"][0] == "1 (12,5%)" and texts["en"][0] == "1 (12.5%)"
    charts._written.cache_clear()
