"""The ``decimal`` and ``percent`` filters write exactly what Flask-Babel's
``format_decimal``/``format_percent`` write, in Dutch and English, while each pattern
is parsed once per process instead of once per number (issue 15: results pages and
tables call them hundreds of times a request)."""

from __future__ import annotations

from decimal import Decimal

import babel.numbers
import pytest
from flask import render_template_string
from flask_babel import force_locale, format_decimal, format_percent

from kringwerk.web import templating

VALUES = [0, 1, 3.23, 3.235, 12.25, 0.851, 0.9995, 12500, 1234567.891, -3.5, Decimal("2.05"), 0.004]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_same_text_as_flask_babel(app, language):
    with app.test_request_context(), force_locale(language):
        for value in VALUES:
            for digits in (0, 1, 2, 3):
                pattern = "#,##0." + "#" * digits if digits else "#,##0"
                assert templating.decimal_text(value, digits) == format_decimal(value, pattern)
                assert templating.percent_text(value, digits) == format_percent(value, pattern + "%")
        assert templating.decimal_text(None) == templating.percent_text(None) == templating.MISSING
        page = render_template_string("{{ 12500.5|decimal }} {{ 0.851|percent }}")
    assert page == {"nl": "12.500,5 85,1%", "en": "12,500.5 85.1%"}[language]


def test_each_pattern_is_parsed_once_not_per_number(app, monkeypatch):
    parsed = []
    real = babel.numbers.parse_pattern

    def counting(pattern):
        parsed.append(pattern)
        return real(pattern)

    monkeypatch.setattr(babel.numbers, "parse_pattern", counting)
    monkeypatch.setattr(templating, "parse_pattern", counting)
    templating._number_pattern.cache_clear()
    with app.test_request_context():
        for language in ("nl", "en"):
            with force_locale(language):
                texts = render_template_string(
                    "{% for n in numbers %}{{ n|decimal }} {{ (n / 100)|percent }};{% endfor %}",
                    numbers=range(100),
                )
    assert texts.count(";") == 100
    assert sorted(parsed) == sorted(["#,##0.##", "#,##0.#%"])
    templating._number_pattern.cache_clear()
