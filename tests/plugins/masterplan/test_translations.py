"""The masterplans plugin brings its own Dutch: every string it uses has a Dutch
translation in plugins/masterplan/translations, and its pages come out in Dutch where
the tenant speaks Dutch (tenant B keeps English)."""

from __future__ import annotations

import subprocess

from babel.messages.pofile import read_po

from kringwerk.config import PROJECT_ROOT
from kringwerk.extensions import db
from tests.web.conftest import page

MASTERPLAN = PROJECT_ROOT / "plugins" / "masterplan"
MASTERPLAN_NL = MASTERPLAN / "translations" / "nl" / "LC_MESSAGES" / "messages.po"


def test_every_string_of_the_plugin_has_dutch(tmp_path):
    pot = tmp_path / "masterplan.pot"
    subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "pybabel"), "extract", "-F", "babel.cfg"]
        + ["-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=MASTERPLAN,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        wanted = [message.id for message in read_po(handle) if message.id]
    with MASTERPLAN_NL.open("rb") as handle:
        dutch = read_po(handle)
    assert wanted and [text for text in wanted if not (dutch.get(text) and dutch.get(text).string)] == []


def test_the_plan_page_in_dutch(client, plan_world, login_as):
    w = plan_world
    w.a.tenant.default_locale = "nl"
    db.session.commit()
    login_as(w.a.member)
    dutch = page(client.get(f"/kring-a/masterplan/{w.plan_a}/"))
    assert dutch.lang == "nl" and "Project voorstellen" in dutch.text and "Geschiedenis" in dutch.text
    client.post("/account/logout")
    login_as(w.b.member)
    english = page(client.get(f"/kring-b/masterplan/{w.plan_b}/"))
    assert english.lang == "en" and "Propose a project" in english.text
    assert client.get(f"/kring-b/masterplan/{w.plan_a}/").status_code == 404


def test_no_string_of_the_plugin_is_translated_otherwise_by_the_core():
    """Flask-Babel merges the core's catalog after the plugins', so where both hold a msgid
    the core's Dutch is what the reader sees ("Plan" is the core's subscription,
    "Abonnement"): a plugin string the core translates otherwise needs its own msgid."""
    core_po = PROJECT_ROOT / "platform" / "kringwerk" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
    with core_po.open("rb") as handle:
        core = read_po(handle)
    with MASTERPLAN_NL.open("rb") as handle:
        dutch = read_po(handle)
    clashes = [
        (message.id, message.string, core.get(message.id).string)
        for message in dutch
        if message.id and core.get(message.id) is not None and core.get(message.id).string != message.string
    ]
    assert clashes == []
