"""Modules describe what they do: once built, none says "in preparation" any more,
and none promises what it does not hold yet (the MKB-toets has no advice or
point-by-point answer yet). A tenant without them sees neither."""

from __future__ import annotations

import pytest

from kringwerk.extensions import db
from kringwerk.pluginhost import get_registry
from kringwerk.pluginhost.services import enable_plugin
from tests.members.support import page_text

# Built since, so no longer "in preparation": the description says what the module does.
BUILT = {"masterplan": "/kring-a/masterplan/", "mkb-toets": "/kring-a/mkb-toets/"}
NOT_YET = {"mkb-toets": ("answers every point", "consolidated advice")}


@pytest.mark.parametrize("key", sorted(BUILT))
def test_a_built_module_no_longer_says_in_preparation(world, client, login_as, key):
    description = str(get_registry().get(key).description)
    assert "In preparation" not in description and "Nothing can be recorded" not in description
    assert not any(promise in description for promise in NOT_YET.get(key, ()))
    enable_plugin(world.a.tenant, key)
    db.session.commit()
    login_as(world.a.member)
    assert "In preparation" not in page_text(client.get(BUILT[key]))
    client.post("/account/logout")
    login_as(world.b.member)  # B has not enabled it
    assert client.get(BUILT[key].replace("kring-a", "kring-b")).status_code == 404
