"""Modules that are not built yet say so: the MKB-toets describes
itself as in preparation (manifest, operator console, home card and page) and
promise nothing they cannot do. A tenant without them sees neither."""

from __future__ import annotations

import pytest

from kringwerk.extensions import db
from kringwerk.pluginhost import get_registry
from kringwerk.pluginhost.services import enable_plugin
from tests.members.support import page_text

PLACEHOLDERS = {"mkb-toets": "/kring-a/mkb-toets/"}
# Built since, so no longer "in preparation": the description says what the module does.
BUILT = {"masterplan": "/kring-a/masterplan/"}
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
    assert console.count("In preparation") >= len(PLACEHOLDERS)
    client.post("/account/logout")
    login_as(world.a.member)
    home = page_text(client.get("/kring-a/"))
    assert home.count("In preparation") == len(PLACEHOLDERS)
    for path in PLACEHOLDERS.values():
        text = page_text(client.get(path))
        assert "In preparation" in text and not any(promise in text for promise in PROMISES)
    client.post("/account/logout")
    login_as(world.b.member)  # B has neither module
    assert "In preparation" not in page_text(client.get("/kring-b/"))
    assert client.get("/kring-b/masterplan/").status_code == 404


@pytest.mark.parametrize("key", sorted(BUILT))
def test_a_built_module_no_longer_says_in_preparation(world, client, login_as, key):
    description = str(get_registry().get(key).description)
    assert "In preparation" not in description and "Nothing can be recorded" not in description
    enable_plugin(world.a.tenant, key)
    db.session.commit()
    login_as(world.a.member)
    assert "In preparation" not in page_text(client.get(BUILT[key]))
    client.post("/account/logout")
    login_as(world.b.member)  # B has not enabled it
    assert client.get(BUILT[key].replace("kring-a", "kring-b")).status_code == 404
