"""The events plugin brings its own Dutch: every string it uses has a Dutch translation
in plugins/events/translations, and its pages come out in Dutch where the tenant speaks
Dutch (tenant B keeps English)."""

from __future__ import annotations

import subprocess

from babel.messages.pofile import read_po

from kringwerk.config import PROJECT_ROOT
from kringwerk.extensions import db
from tests.plugins.events.conftest import make_event
from tests.web.conftest import page

EVENTS = PROJECT_ROOT / "plugins" / "events"
EVENTS_NL = EVENTS / "translations" / "nl" / "LC_MESSAGES" / "messages.po"


def test_every_string_of_the_plugin_has_dutch(tmp_path):
    pot = tmp_path / "events.pot"
    subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "pybabel"), "extract", "-F", "babel.cfg"]
        + ["-k", "_l", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2", "-o", str(pot), "."],
        cwd=EVENTS,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        wanted = [message.id for message in read_po(handle) if message.id]
    with EVENTS_NL.open("rb") as handle:
        dutch = read_po(handle)
    assert wanted and [text for text in wanted if not (dutch.get(text) and dutch.get(text).string)] == []


def test_an_event_page_in_dutch(client, events_world, login_as):
    world = events_world
    world.a.tenant.default_locale = "nl"
    db.session.commit()
    a_event = make_event(world.a.tenant, capacity=20)
    b_event = make_event(world.b.tenant, capacity=20)
    login_as(world.a.member)
    dutch = page(client.get(f"/kring-a/events/{a_event}"))
    assert (
        dutch.lang == "nl" and "Aanmelden" in dutch.text and "Nog 20 van de 20 plaatsen vrij." in dutch.text
    )
    client.post("/account/logout")
    login_as(world.b.member)
    english = page(client.get(f"/kring-b/events/{b_event}"))
    assert english.lang == "en" and "20 of 20 seats left." in english.text
    assert client.get(f"/kring-b/events/{a_event}").status_code == 404
