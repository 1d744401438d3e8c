"""The plugin host's one ``before_request`` gate: the request's plugin found once (kept per
blueprint), then a disabled plugin's pages answer 404 to everyone, before any access
rule; an enabled plugin's pages follow the access rules, tenant by tenant."""

from __future__ import annotations

import pytest

from kringwerk.extensions import db
from kringwerk.pluginhost import get_registry
from kringwerk.pluginhost.services import disable_plugin, enable_plugin
from tests.conftest import base_config, login

pytestmark = pytest.mark.both_databases

PAGES = ("/dummy/", "/dummy/public", "/dummy/unguarded")


@pytest.fixture
def app_config(tmp_path, database_url):
    return base_config(tmp_path, database_url, EXTRA_PLUGINS=("tests.support.dummy_plugin",))


def everyone(world):
    return [
        None,
        world.a.admin,
        world.a.member,
        world.b.admin,
        world.b.member,
        world.operator,
        world.outsider,
    ]


def answers(app, user, slug):
    client = app.test_client()
    if user is not None:
        login(client, user)
    return {page: client.get(f"/{slug}{page}").status_code for page in PAGES} | {
        "POST /dummy/unguarded": client.post(f"/{slug}/dummy/unguarded").status_code
    }


def test_a_disabled_plugin_is_404_for_every_role_in_either_tenant(app, world):
    # Enabled in A only: B's pages are gone for everyone, A's own people included.
    enable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    for user in everyone(world):
        got = answers(app, user, "kring-b")
        assert set(got.values()) == {404}, (user, got)
    # Then the other way round, with the gate's keep already filled for these blueprints.
    enable_plugin(world.b.tenant, "dummy")
    disable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    for user in everyone(world):
        got = answers(app, user, "kring-a")
        assert set(got.values()) == {404}, (user, got)


def test_an_enabled_plugin_follows_the_access_rules(app, world):
    enable_plugin(world.b.tenant, "dummy")
    db.session.commit()
    visitor = answers(app, None, "kring-b")
    assert visitor["/dummy/public"] == 200
    assert visitor["/dummy/unguarded"] == 302 and visitor["POST /dummy/unguarded"] == 401
    for insider in (world.b.admin, world.b.member, world.operator):
        got = answers(app, insider, "kring-b")
        assert got["/dummy/unguarded"] == 200 and got["POST /dummy/unguarded"] == 200, (insider, got)
    for outsider in (world.a.admin, world.a.member, world.outsider):
        got = answers(app, outsider, "kring-b")
        assert got["/dummy/unguarded"] == 404 and got["/dummy/public"] == 200, (outsider, got)
    # A, where it is off, still answers 404.
    assert set(answers(app, world.b.admin, "kring-a").values()) == {404}


def test_the_request_plugin_is_found_per_blueprint(app, world):
    registry = get_registry(app)
    for path, key in [
        ("/kring-a/dummy/unguarded", "dummy"),
        ("/kring-a/dummy/public", "dummy"),
        ("/kring-a/members/", None),
        ("/account/login", None),
        ("/no/such/page/at/all", None),
    ]:
        for _ in range(2):  # the second time from the keep
            with app.test_request_context(path):
                assert registry.plugin_of_request() == key, path


def test_one_gate_is_installed(app):
    gates = [
        f for f in app.before_request_funcs[None] if f.__name__ == "refuse_disabled_plugin_and_require_access"
    ]
    assert len(gates) == 1
