"""The message catalogs: the core's (platform/ and templates/) and one per plugin
(plugins/<name>/translations, extracted with plugins/<name>/babel.cfg). Each
template (.pot) matches its sources, Dutch is complete, the core's catalog holds
no message only a plugin uses, and pages really come out in Dutch or English.

Refresh after changing user-facing strings (from the repository root):

    make catalogs      (extracts the core and each plugin into its own catalog)
    (translate the new entries in each nl/LC_MESSAGES/messages.po)
    make translations  (compiles them all)
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages import pofile

from kringwerk.config import PROJECT_ROOT
from kringwerk.extensions import db
from tests.web.conftest import page

TRANSLATIONS_DIR = PROJECT_ROOT / "platform" / "kringwerk" / "translations"
DUTCH = TRANSLATIONS_DIR / "nl" / "LC_MESSAGES" / "messages.po"
ENGLISH = TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = ["-k", "_l", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2"]


@dataclass(frozen=True)
class Catalog:
    name: str
    config: Path  # the babel.cfg; its paths are relative to ``sources``
    sources: Path
    folder: Path

    def po(self, language: str) -> Path:
        return self.folder / language / "LC_MESSAGES" / "messages.po"


CORE = Catalog("core", PROJECT_ROOT / "babel.cfg", PROJECT_ROOT, TRANSLATIONS_DIR)
PLUGIN_FOLDERS = sorted(path.parent for path in (PROJECT_ROOT / "plugins").glob("*/__init__.py"))
PLUGINS = [Catalog(f.name, f / "babel.cfg", f, f / "translations") for f in PLUGIN_FOLDERS]
CATALOGS = [CORE, *PLUGINS]


def read(path: Path):
    with path.open("rb") as handle:
        return pofile.read_po(handle)


def msgids(catalog) -> set:
    return {message.id for message in catalog if message.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, set]:
    """What pybabel extracts from each catalog's sources right now, with its babel.cfg."""
    pybabel = Path(sys.executable).with_name("pybabel")
    found = {}
    for catalog in CATALOGS:
        target = tmp_path_factory.mktemp("extract") / "messages.pot"
        subprocess.run(
            [str(pybabel), "-q", "extract", "-F", str(catalog.config), *KEYWORDS, "-o", str(target)]
            + [str(catalog.sources.relative_to(PROJECT_ROOT) if catalog is not CORE else ".")],
            cwd=PROJECT_ROOT,
            check=True,
            capture_output=True,
            timeout=120,
        )
        found[catalog.name] = msgids(read(target))
    return found


def test_every_plugin_has_a_catalog_of_its_own():
    assert {p.name for p in PLUGINS} >= {"polls", "events", "masterplan", "mkb_toets"}
    for plugin in PLUGINS:
        assert plugin.config.exists(), f"{plugin.name} has no babel.cfg"
        assert plugin.po("nl").exists() and plugin.po("en").exists(), f"{plugin.name} has no catalogs"


def test_extraction_reads_every_kind_of_source(extracted):
    core, polls = extracted["core"], extracted["polls"]
    assert "Skip to content" in core  # templates/*.html
    assert "Sent by Kringwerk on behalf of %(sender)s." in core  # templates/emails/*.txt
    assert "Main navigation" in core  # templates with {% do %} (jinja2.ext.do)
    assert "Administration" in core  # platform/kringwerk/**.py, lazy_gettext as _l
    assert "Polls" in polls and "Polls" not in core  # plugins/polls/**.py, its own catalog
    assert "New poll" in polls  # plugins/polls/templates/**
    assert "Events" in extracted["events"]


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda c: c.name)
def test_messages_pot_is_up_to_date(extracted, catalog):
    current = msgids(read(catalog.folder / "messages.pot"))
    missing, stale = extracted[catalog.name] - current, current - extracted[catalog.name]
    assert not missing and not stale, (
        f"{catalog.name}: messages.pot is out of date: {len(missing)} new, {len(stale)} gone "
        f"(e.g. new {sorted(map(str, missing))[:5]}, gone {sorted(map(str, stale))[:5]}); "
        "run make catalogs (see this module's docstring)"
    )


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda c: c.name)
def test_both_catalogs_exist_for_the_offered_languages(catalog):
    assert read(catalog.po("nl")).locale.language == "nl"
    assert read(catalog.po("en")).locale.language == "en"


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda c: c.name)
def test_every_message_has_a_dutch_translation_and_none_is_fuzzy(catalog):
    """Fails until the catalogs are updated and translated (the last step before a release)."""
    template = msgids(read(catalog.folder / "messages.pot"))
    dutch = read(catalog.po("nl"))
    assert template <= msgids(dutch), f"{catalog.name}: nl catalog lacks messages: run make catalogs"
    untranslated = [
        str(m.id)
        for m in dutch
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [str(m.id) for m in dutch if m.id and m.fuzzy]
    assert not untranslated, f"{catalog.name}: {len(untranslated)} without Dutch, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{catalog.name}: {len(fuzzy)} fuzzy Dutch messages, e.g. {fuzzy[:5]}"


def test_the_core_catalog_holds_no_message_only_a_plugin_uses(extracted):
    core_catalogs = msgids(read(DUTCH)) | msgids(read(ENGLISH))
    for plugin in PLUGINS:
        plugin_only = extracted[plugin.name] - extracted["core"]
        assert plugin_only, plugin.name  # each plugin has words of its own
        leftover = plugin_only & core_catalogs
        assert not leftover, f"the core catalog still holds {plugin.name}'s {sorted(map(str, leftover))[:5]}"


def test_the_app_reads_these_catalogs(app):
    """The pages read the catalogs the app serves (compiled from these .po files by
    the session fixture in tests/conftest.py): each plugin's, then the core's last,
    so where a plugin repeats a core message the core's Dutch wins."""
    folders = [Path(folder) for folder in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")]
    assert folders[-1] == TRANSLATIONS_DIR
    assert set(folders[:-1]) == {plugin.folder for plugin in PLUGINS}
    for catalog in CATALOGS:
        assert catalog.po("nl").with_suffix(".mo").exists(), catalog.name


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
