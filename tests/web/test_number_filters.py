"""Numbers, percentages and dates in the page's language: the Jinja filters
``decimal``, ``percent`` (a fraction, as Babel has it) and ``datetime``/``date``
(the tenant's time, without seconds) that every template, core or plugin, can use.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import render_template_string
from flask_babel import force_locale

MOMENT = datetime(2026, 12, 4, 18, 43, 48, tzinfo=UTC)
TEMPLATE = "{{ 0.851|percent }} | {{ 3.23|decimal }} | {{ 1234.5|decimal }} | {{ moment|datetime }} | {{ none|percent }}"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "85,1% | 3,23 | 1.234,5 | 4 dec 2026, 19:43 | –"),
        ("en", "85.1% | 3.23 | 1,234.5 | Dec 4, 2026, 7:43\u202fPM | –"),
    ],
)
def test_filters_follow_the_language_and_leave_out_seconds(app, world, language, expected):
    with app.test_request_context("/"), force_locale(language):
        assert render_template_string(TEMPLATE, moment=MOMENT) == expected


def test_plugin_templates_use_the_same_filters(app, world):
    # Plugins render through the one Jinja environment: the polls results filter and the
    # core's format with Babel in the page's language.
    with app.test_request_context("/"), force_locale("nl"):
        rendered = render_template_string("{{ 85.1 | poll_share }} {{ 3.25 | decimal }}")
    assert rendered == "85,1% 3,25"
