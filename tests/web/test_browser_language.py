"""The browser's language from ``Accept-Language``, parsed once per process per header
(issue 15): the same answer as werkzeug's ``request.accept_languages.best_match``, for
every header, including ones too long to keep; and a tenant page still follows its
tenant's default over the browser, each tenant its own."""

from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from kringwerk.extensions import db
from kringwerk.web import i18n

HEADERS = [
    "",
    "en",
    "nl",
    "en-GB,en;q=0.9",
    "de-DE,en;q=0.5,nl;q=0.8",
    "de-DE",
    "*",
    "nl;q=0, en;q=0.1",
    "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5",
    "x" * 300 + ",nl",  # longer than what is kept: parsed each time, same answer
]


@pytest.mark.parametrize("header", HEADERS)
@pytest.mark.parametrize("languages", [("nl", "en"), ("en", "nl"), ("nl",)])
def test_the_same_answer_as_werkzeug(header, languages):
    request = Request(EnvironBuilder(headers={"Accept-Language": header}).get_environ())
    expected = request.accept_languages.best_match(languages)
    assert i18n.browser_language(header, languages) == expected
    assert i18n.browser_language(header, languages) == expected  # kept: the same again


def test_long_headers_are_not_kept():
    i18n._best_language.cache_clear()
    i18n.browser_language("y" * 1000, ("nl", "en"))
    i18n.browser_language("en", ("nl", "en"))
    assert i18n._best_language.cache_info().currsize == 1


def test_tenant_default_still_beats_the_browser(client, world):
    world.a.tenant.default_locale = "en"
    world.b.tenant.default_locale = "nl"
    db.session.commit()
    for _ in range(2):  # the second time from what the first kept
        a = client.get("/kring-a/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
        b = client.get("/kring-b/", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert '<html lang="en">' in a and '<html lang="nl">' in b
        assert '<html lang="nl">' in client.get("/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
        assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
