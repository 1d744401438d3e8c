"""The MKB-toets plugin brings its own Dutch: every string it uses has a Dutch
translation in plugins/mkb_toets/translations, and its pages come out in Dutch where
the tenant speaks Dutch (tenant B keeps English)."""

from __future__ import annotations

import subprocess

from babel.messages.pofile import read_po

from kringwerk.config import PROJECT_ROOT
from kringwerk.extensions import db
from plugins.mkb_toets.models import Phase
from tests.plugins.mkb_toets.conftest import make_dossier

PLUGIN = PROJECT_ROOT / "plugins" / "mkb_toets"
DUTCH = PLUGIN / "translations" / "nl" / "LC_MESSAGES" / "messages.po"


def test_every_string_of_the_plugin_has_dutch(tmp_path):
    pot = tmp_path / "mkb.pot"
    subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "pybabel"), "extract", "-F", "babel.cfg"]
        + ["-k", "_l", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2", "-o", str(pot), "."],
        cwd=PLUGIN,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        wanted = [message.id for message in read_po(handle) if message.id]
    with DUTCH.open("rb") as handle:
        dutch = read_po(handle)
    assert wanted and [text for text in wanted if not (dutch.get(text) and dutch.get(text).string)] == []


def test_a_dossier_page_in_dutch(client, mkb_world, login_as):
    mkb_world.a.tenant.default_locale = "nl"
    db.session.commit()
    a_dossier = make_dossier(mkb_world.a.tenant, phase=Phase.CONSULTATION_OPEN)
    b_dossier = make_dossier(mkb_world.b.tenant, phase=Phase.CONSULTATION_OPEN)
    login_as(mkb_world.a.member)
    dutch = client.get(f"/kring-a/mkb-toets/{a_dossier}").get_data(as_text=True)
    assert "Tijdlijn" in dutch and "Raadpleging open" in dutch
    client.post("/account/logout")
    login_as(mkb_world.b.member)
    english = client.get(f"/kring-b/mkb-toets/{b_dossier}").get_data(as_text=True)
    assert "Timeline" in english and "Tijdlijn" not in english


def test_no_string_of_the_plugin_is_translated_otherwise_by_the_core():
    """Flask-Babel merges the core's catalog after the plugins', so where both hold a msgid
    the core's Dutch is what the reader sees: a plugin string the core translates otherwise
    (the core's panel is the standing "ondernemerspanel", a dossier's is not) needs its own msgid."""
    core_po = PROJECT_ROOT / "platform" / "kringwerk" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
    with core_po.open("rb") as handle:
        core = read_po(handle)
    with DUTCH.open("rb") as handle:
        dutch = read_po(handle)
    clashes = [
        (message.id, message.string, core.get(message.id).string)
        for message in dutch
        if message.id and core.get(message.id) is not None and core.get(message.id).string != message.string
    ]
    assert clashes == []
