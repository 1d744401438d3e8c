"""Modules that are not built yet say so: masterplans and the MKB-toets describe
themselves as in preparation (manifest, operator console, home card and page) and
promise nothing they cannot do. A tenant without them sees neither."""

from __future__ import annotations

import pytest

from kringwerk.extensions import db
from kringwerk.pluginhost import get_registry
from kringwerk.pluginhost.services import enable_plugin
from tests.members.support import page_text

PLACEHOLDERS = {"masterplan": "/kring-a/masterplan/", "mkb-toets": "/kring-a/mkb-toets/"}
PROMISES = ("versioned document", "answers every point", "consolidated advice", "measured goals")


@pytest.mark.parametrize("key", sorted(PLACEHOLDERS))
def test_the_manifest_says_in_preparation(app, key):
    description = str(get_registry().get(key).description)
    assert description.startswith("In preparation")
    assert not any(promise in description for promise in PROMISES)


def test_console_card_and_page_say_in_preparation(world, client, login_as):
    for key in PLACEHOLDERS:
        enable_plugin(world.a.tenant, key)
    db.session.commit()
    login_as(world.operator)
    console = page_text(client.get(f"/operator/tenants/{world.a.tenant.id}/"))
    assert console.count("In preparation") >= 2
    client.post("/account/logout")
    login_as(world.a.member)
    home = page_text(client.get("/kring-a/"))
    assert home.count("In preparation") == 2
    for path in PLACEHOLDERS.values():
        text = page_text(client.get(path))
        assert "In preparation" in text and not any(promise in text for promise in PROMISES)
    client.post("/account/logout")
    login_as(world.b.member)  # B has neither module
    assert "In preparation" not in page_text(client.get("/kring-b/"))
    assert client.get("/kring-b/masterplan/").status_code == 404
