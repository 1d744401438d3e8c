"""The polls plugin brings its own Dutch: its strings live in
plugins/polls/translations, not in the core's catalog, and its pages still come
out in Dutch."""

from __future__ import annotations

from babel.messages.pofile import read_po

from kringwerk.config import PROJECT_ROOT
from kringwerk.extensions import db
from tests.web.conftest import page

CORE_NL = PROJECT_ROOT / "platform" / "kringwerk" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
POLLS_NL = PROJECT_ROOT / "plugins" / "polls" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
POLLS_ONLY = (
    "New poll",
    "There are no polls yet. Start one to ask the companies what they want to work on together.",
)


def read(path):
    with path.open("rb") as handle:
        return read_po(handle)


def test_the_polls_strings_are_in_the_plugins_catalog_only():
    core, polls = read(CORE_NL), read(POLLS_NL)
    for text in POLLS_ONLY:
        assert core.get(text) is None, f"{text!r} is still in the core catalog"
        assert polls.get(text) is not None and polls.get(text).string, f"{text!r} has no Dutch in the plugin"


def test_a_polls_page_in_dutch_from_the_plugins_catalog(client, polls_world, login_as):
    polls = read(POLLS_NL)
    world = polls_world.world
    world.a.tenant.default_locale = "nl"
    db.session.commit()
    login_as(world.a.admin)
    dutch = page(client.get("/kring-a/polls/"))
    assert dutch.lang == "nl"
    for text in POLLS_ONLY:
        assert polls.get(text).string in dutch.text
        assert text not in dutch.text

    # Tenant B keeps English; the plugin's catalog does not leak a language across tenants.
    client.post("/account/logout")
    login_as(world.b.admin)
    english = page(client.get("/kring-b/polls/"))
    assert english.lang == "en" and "New poll" in english.text
    assert polls.get("New poll").string not in english.text
