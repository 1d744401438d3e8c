"""The message catalogs: the template (.pot) matches the sources, Dutch is
complete, and pages really come out in Dutch or English.

Refresh after changing user-facing strings (from the repository root):

    .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o platform/kringwerk/translations/messages.pot .
    .venv/bin/pybabel update -i platform/kringwerk/translations/messages.pot -d platform/kringwerk/translations
    (translate platform/kringwerk/translations/nl/LC_MESSAGES/messages.po)
    .venv/bin/pybabel compile -d platform/kringwerk/translations
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages import pofile

from kringwerk.config import PROJECT_ROOT
from kringwerk.extensions import db
from tests.web.conftest import page

TRANSLATIONS_DIR = PROJECT_ROOT / "platform" / "kringwerk" / "translations"
POT = TRANSLATIONS_DIR / "messages.pot"
DUTCH = TRANSLATIONS_DIR / "nl" / "LC_MESSAGES" / "messages.po"
ENGLISH = TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po"


def read(path: Path):
    with path.open("rb") as handle:
        return pofile.read_po(handle)


def msgids(catalog) -> set:
    return {message.id for message in catalog if message.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set:
    """What pybabel extracts from the sources right now, with the project's babel.cfg."""
    target = tmp_path_factory.mktemp("extract") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [
            str(pybabel),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_pgettext:1c,2",
            "-o",
            str(target),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return msgids(read(target))


def test_extraction_reads_every_kind_of_source(extracted):
    assert "Skip to content" in extracted  # templates/*.html
    assert "Sent by Kringwerk on behalf of %(sender)s." in extracted  # templates/emails/*.txt
    assert "Main navigation" in extracted  # templates with {% do %} (jinja2.ext.do)
    assert "Administration" in extracted  # platform/kringwerk/**.py, lazy_gettext as _l
    assert "Polls" in extracted  # plugins/**.py
    assert "Open" in extracted  # plugins/*/templates/**


def test_messages_pot_is_up_to_date(extracted):
    current = msgids(read(POT))
    missing, stale = extracted - current, current - extracted
    assert not missing and not stale, (
        f"messages.pot is out of date: {len(missing)} new, {len(stale)} gone "
        f"(e.g. new {sorted(map(str, missing))[:5]}, gone {sorted(map(str, stale))[:5]}); "
        "re-run pybabel extract and update (see this module's docstring)"
    )


def test_both_catalogs_exist_for_the_offered_languages():
    assert DUTCH.exists() and ENGLISH.exists()
    assert read(DUTCH).locale.language == "nl"
    assert read(ENGLISH).locale.language == "en"


def test_every_message_has_a_dutch_translation_and_none_is_fuzzy():
    """Fails until the catalogs are updated and translated (the last step before a release)."""
    template = msgids(read(POT))
    dutch = read(DUTCH)
    assert template <= msgids(dutch), "nl catalog lacks messages: run pybabel update"
    untranslated = [
        str(m.id)
        for m in dutch
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [str(m.id) for m in dutch if m.id and m.fuzzy]
    assert not untranslated, f"{len(untranslated)} messages without Dutch, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy Dutch messages, e.g. {fuzzy[:5]}"


def test_the_app_reads_these_catalogs(app):
    """The page test below reads the catalogs the app serves (compiled from these
    .po files by the session fixture in tests/conftest.py), not a copy."""
    assert Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]) == TRANSLATIONS_DIR
    assert (TRANSLATIONS_DIR / "nl" / "LC_MESSAGES" / "messages.mo").exists()


def test_a_page_in_dutch_and_in_english(client, world):
    translations = read(DUTCH)
    for text in ("Skip to content", "Sign in"):
        translation = translations.get(text)
        assert translation is not None and translation.string, f"{text!r} has no Dutch yet"
    skip, sign_in = translations.get("Skip to content").string, translations.get("Sign in").string

    world.a.tenant.default_locale = "nl"
    db.session.commit()
    dutch = page(client.get("/kring-a/"))
    assert dutch.lang == "nl"
    assert skip in dutch.text and sign_in in dutch.text
    assert "Skip to content" not in dutch.text and "Sign in" not in dutch.text

    world.a.tenant.default_locale = "en"
    db.session.commit()
    english = page(client.get("/kring-a/", headers={"Accept-Language": "nl"}))
    assert english.lang == "en"
    assert "Skip to content" in english.text and "Sign in" in english.text
    assert skip not in english.text and sign_in not in english.text
