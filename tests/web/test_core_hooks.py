"""The core gives its navigation and admin sections through the hooks plugins
implement; a plugin adds an admin section and a public page the same way, and
they follow the plugin's state per tenant and the user's role."""

from __future__ import annotations

import pytest

from kringwerk.billing import hooks as billing_hooks
from kringwerk.extensions import db
from kringwerk.pluginhost import collect, get_registry, hooks
from kringwerk.pluginhost.manifest import Plugin
from kringwerk.pluginhost.registry import CORE, PluginLoadError, PluginRegistry
from kringwerk.pluginhost.services import disable_plugin
from kringwerk.web import hooks as core_hooks
from tests.web.conftest import page
from tests.web.test_layout import nav_labels

CORE_SECTIONS = [
    "People and invitations",
    "Companies",
    "Import companies",
    "Entrepreneurs' panel",
    "Business parks",
    "Circles",
    "Themes",
    "Regional networks",
    "Letters of intent",
    "Sharing the member directory",
    "Settings",
    "Plan and billing",
    "Audit log",
]


def section_titles(response) -> list[str]:
    html = response.get_data(as_text=True)
    shell = page(response)
    links = {a["href"] for a in shell.find("a")}
    assert links  # the page rendered
    import html as html_module
    import re

    titles = re.findall(r'<li class="card">\s*<h2><a href="[^"]+">([^<]+)</a>', html)
    return [html_module.unescape(title) for title in titles]


def test_the_core_takes_part_as_an_always_enabled_participant(app, world):
    registry = get_registry(app)
    assert registry.pm.get_plugin(CORE) is core_hooks
    # No plugin is enabled in either tenant, and the core still answers in both.
    for side in (world.a, world.b):
        items = collect(hooks(side.tenant).nav_items(tenant=side.tenant, user=side.admin))
        assert [item.endpoint for item in items] == ["web.tenant_home", "members.directory", "web.admin_home"]
        sections = collect(hooks(side.tenant).admin_sections(tenant=side.tenant, user=side.admin))
        # The core's own sections and the billing section (a core package with its own hooks).
        core_sections = [*core_hooks.ADMIN_SECTIONS, billing_hooks.SECTION]
        assert sorted(s.endpoint for s in sections) == sorted(s.endpoint for s in core_sections)


def test_no_plugin_may_take_the_cores_name():
    with pytest.raises(PluginLoadError, match="core"):
        PluginRegistry().add(Plugin(key="core", name="Impostor"))


def test_core_navigation_keeps_its_order_around_a_plugins_entry(client, dummy_on, login_as):
    login_as(dummy_on.a.admin)
    assert nav_labels(client.get("/kring-a/").get_data(as_text=True)) == [
        "Dashboard",
        "Members",
        "Dummy",
        "Administration",
    ]
    client.post("/account/logout")
    login_as(dummy_on.b.admin)  # dummy is off in B
    assert nav_labels(client.get("/kring-b/").get_data(as_text=True)) == [
        "Dashboard",
        "Members",
        "Administration",
    ]
    client.post("/account/logout")
    login_as(dummy_on.a.member)
    assert nav_labels(client.get("/kring-a/").get_data(as_text=True)) == ["Dashboard", "Members", "Dummy"]


def test_a_plugins_admin_section_for_the_right_role_where_enabled(client, dummy_on, login_as):
    login_as(dummy_on.a.admin)
    titles = section_titles(client.get("/kring-a/admin/"))
    # The plugin's section takes its place by order; the core's keep theirs.
    assert titles == [*CORE_SECTIONS[:7], "Dummy administration", *CORE_SECTIONS[7:]]
    assert page(client.get("/kring-a/admin/")).find("a", href="/kring-a/dummy/")
    client.post("/account/logout")

    login_as(dummy_on.a.facilitator)  # the section is for the board only
    assert "Dummy administration" not in section_titles(client.get("/kring-a/admin/"))
    client.post("/account/logout")

    login_as(dummy_on.b.admin)  # dummy is off in B: the core's sections alone
    assert section_titles(client.get("/kring-b/admin/")) == CORE_SECTIONS
    assert not page(client.get("/kring-b/admin/")).find("a", href="/kring-b/dummy/")

    disable_plugin(dummy_on.a.tenant, "dummy")
    db.session.commit()
    client.post("/account/logout")
    login_as(dummy_on.a.admin)
    assert section_titles(client.get("/kring-a/admin/")) == CORE_SECTIONS


def test_a_plugins_public_page_is_listed_for_visitors_where_enabled(client, dummy_on, login_as):
    shell = page(client.get("/kring-a/"))
    assert shell.find("a", href="/kring-a/dummy/public")
    assert "Dummy public page" in shell.text and "Open to every visitor." in shell.text
    response = client.get("/kring-a/dummy/public")
    assert response.status_code == 200 and response.get_data(as_text=True) == "dummy public page"

    # Tenant B has the plugin off: nothing listed, and the page is not there.
    shell = page(client.get("/kring-b/"))
    assert "Dummy public page" not in shell.text and not shell.find("a", href="/kring-b/dummy/public")
    assert client.get("/kring-b/dummy/public").status_code == 404

    # Someone of another tenant is a visitor here too.
    login_as(dummy_on.b.member)
    assert page(client.get("/kring-a/")).find("a", href="/kring-a/dummy/public")

    disable_plugin(dummy_on.a.tenant, "dummy")
    db.session.commit()
    client.post("/account/logout")
    assert not page(client.get("/kring-a/")).find("a", href="/kring-a/dummy/public")
    assert client.get("/kring-a/dummy/public").status_code == 404
