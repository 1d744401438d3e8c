"""Hook callers limited to a tenant's enabled plugins (``hooks(tenant).x``) or to one plugin
(``plugin_hooks(key).x``) are built once per app and set of plugins, not on every call, and
still reach exactly the plugins they should."""

from __future__ import annotations

import pytest

from kringwerk.extensions import db
from kringwerk.pluginhost import collect, hooks
from kringwerk.pluginhost.gating import plugin_hooks
from kringwerk.pluginhost.registry import get_registry
from kringwerk.pluginhost.services import disable_plugin, enable_plugin
from tests.support.dummy_plugin import hooks as dummy_hooks


@pytest.fixture
def built(app, monkeypatch):
    """The names of the hook callers pluggy is asked to build."""
    pm = get_registry(app).pm
    names: list[str] = []
    build = pm.subset_hook_caller

    def counting(name, remove_plugins):
        names.append(name)
        return build(name, remove_plugins)

    monkeypatch.setattr(pm, "subset_hook_caller", counting)
    return names


def dummy_labels(tenant, user) -> list[str]:
    return [str(item.label) for item in collect(hooks(tenant).nav_items(tenant=tenant, user=user))]


def test_a_caller_is_built_once_per_set_of_enabled_plugins(app, world, built):
    a, b = world.a.tenant, world.b.tenant
    first = hooks(a).nav_items
    assert hooks(a).nav_items is first
    assert hooks(b).nav_items is first  # the same plugins enabled: the same caller
    assert built == ["nav_items"]
    assert "Dummy" not in dummy_labels(a, world.a.member)

    enable_plugin(a, "dummy")
    db.session.commit()
    assert hooks(a).nav_items is not first
    assert hooks(b).nav_items is first
    assert built == ["nav_items", "nav_items"]
    assert "Dummy" in dummy_labels(a, world.a.member)
    assert "Dummy" not in dummy_labels(b, world.b.member)

    disable_plugin(a, "dummy")
    db.session.commit()
    assert hooks(a).nav_items is first  # back to the first set: built before
    assert len(built) == 2
    assert "Dummy" not in dummy_labels(a, world.a.member)


def test_pages_build_no_caller_once_warm(app, client, world, login_as, built):
    # Hooks asked on every page: what the pages keep per process would hide them.
    app.config["KEEP_PAGE_DATA"] = False
    enable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    login_as(world.a.member)
    assert client.get("/kring-a/").status_code == 200
    warm = len(built)
    dummy_hooks.calls.clear()
    page = client.get("/kring-a/").get_data(as_text=True)
    assert len(built) == warm
    assert 'href="/kring-a/dummy/"' in page
    assert {tenant for _, tenant in dummy_hooks.calls} == {world.a.tenant.id}

    client.post("/account/logout")
    login_as(world.b.member)
    dummy_hooks.calls.clear()
    page = client.get("/kring-b/").get_data(as_text=True)
    assert "/kring-b/dummy/" not in page and "/kring-a/" not in page
    assert dummy_hooks.calls == []  # not enabled in B: never asked


def test_a_caller_for_one_plugin_is_built_once_and_reaches_it_alone(app, world, built):
    first = plugin_hooks("dummy").nav_items
    assert plugin_hooks("dummy").nav_items is first
    assert plugin_hooks("polls").nav_items is not first
    assert built == ["nav_items", "nav_items"]
    dummy_hooks.calls.clear()
    # The dummy is not enabled in B: asked about itself all the same, and alone.
    items = collect(first(tenant=world.b.tenant, user=world.b.member))
    assert [str(item.label) for item in items] == ["Dummy"]
    assert dummy_hooks.calls == [("nav_items", world.b.tenant.id)]
