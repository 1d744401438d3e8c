"""A plugin disabled in a tenant is gone from every channel there - routes,
hooks, navigation, dashboard - while its data stays; enabled, it serves only
that tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.pluginhost import collect, enabled_keys, hooks, is_enabled
from kringwerk.pluginhost.services import (
    PluginError,
    disable_plugin,
    enable_plugin,
    plugin_settings,
    update_plugin_settings,
)
from kringwerk.tenancy import tenant_scope
from tests.conftest import base_config
from tests.support.dummy_plugin import hooks as dummy_hooks
from tests.support.dummy_plugin.models import DummyNote


@pytest.fixture
def app_config(tmp_path, database_url):
    return base_config(
        tmp_path,
        database_url,
        EXTRA_PLUGINS=("tests.support.dummy_plugin", "tests.support.dependent_plugin"),
    )


@pytest.fixture(autouse=True)
def forget_hook_calls():
    dummy_hooks.calls.clear()


def test_disabled_plugin_routes_answer_404(client, world, login_as):
    login_as(world.a.admin)
    assert client.get("/kring-a/dummy/").status_code == 404


def test_enabled_in_one_tenant_only(client, world, login_as):
    enable_plugin(world.a.tenant, "dummy", actor=world.operator)
    db.session.commit()
    login_as(world.a.admin)
    assert client.get("/kring-a/dummy/").status_code == 200
    client.post("/account/logout")
    login_as(world.b.admin)
    assert client.get("/kring-b/dummy/").status_code == 404


def test_navigation_and_dashboard_follow_the_switch(client, world, login_as):
    login_as(world.a.member)
    page = client.get("/kring-a/").get_data(as_text=True)
    assert "Dummy card" not in page and "/kring-a/dummy/" not in page
    assert not [call for call in dummy_hooks.calls if call[0] in ("nav_items", "dashboard_cards")]

    enable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    page = client.get("/kring-a/").get_data(as_text=True)
    assert "Dummy card" in page and 'href="/kring-a/dummy/"' in page
    assert ("dashboard_cards", world.a.tenant.id) in dummy_hooks.calls

    disable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    page = client.get("/kring-a/").get_data(as_text=True)
    assert "Dummy card" not in page and "/kring-a/dummy/" not in page


def test_hooks_reach_only_plugins_enabled_in_the_tenant(app, world):
    enable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    with tenant_scope(world.a.tenant):
        exported = collect([hooks(world.a.tenant).member_export(tenant=world.a.tenant, user=world.a.member)])
    with tenant_scope(world.b.tenant):
        nothing = hooks(world.b.tenant).member_export(tenant=world.b.tenant, user=world.b.member)
    assert exported == [{"dummy_notes": []}]
    assert nothing == []
    assert [c for c in dummy_hooks.calls if c[0] == "member_export"] == [("member_export", world.a.tenant.id)]


def test_disabling_keeps_the_data(app, client, world, login_as):
    enable_plugin(world.a.tenant, "dummy")
    with tenant_scope(world.a.tenant):
        db.session.add(DummyNote(text="bewaren"))
        db.session.flush()
    disable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    with tenant_scope(world.a.tenant):
        assert db.session.scalar(select(func.count(DummyNote.id))) == 1
    enable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    login_as(world.a.member)
    with tenant_scope(world.a.tenant):
        note_id = db.session.scalar(select(DummyNote.id))
    assert client.get(f"/kring-a/dummy/notes/{note_id}").get_data(as_text=True) == "bewaren"


def test_requirements_are_enforced_both_ways(app, world):
    with pytest.raises(PluginError):
        enable_plugin(world.a.tenant, "dependent")
    enable_plugin(world.a.tenant, "dummy")
    enable_plugin(world.a.tenant, "dependent")
    with pytest.raises(PluginError):
        disable_plugin(world.a.tenant, "dummy")
    disable_plugin(world.a.tenant, "dependent")
    disable_plugin(world.a.tenant, "dummy")
    assert enabled_keys(world.a.tenant) == frozenset()


def test_unknown_plugin_is_refused(app, world):
    with pytest.raises(PluginError):
        enable_plugin(world.a.tenant, "nope")


def test_settings_start_from_the_defaults(app, world):
    enable_plugin(world.a.tenant, "dummy", settings={"threshold": 5})
    assert plugin_settings(world.a.tenant, "dummy") == {"greeting": "hallo", "threshold": 5}
    update_plugin_settings(world.a.tenant, "dummy", {"greeting": "hoi"})
    db.session.commit()
    assert plugin_settings(world.a.tenant, "dummy") == {"greeting": "hoi", "threshold": 5}
    assert plugin_settings(world.b.tenant, "dummy") == {"greeting": "hallo", "threshold": 3}


def test_switching_is_audited_in_the_tenant(app, world):
    enable_plugin(world.a.tenant, "dummy", actor=world.operator)
    disable_plugin(world.a.tenant, "dummy", actor=world.operator)
    db.session.commit()
    with tenant_scope(world.a.tenant):
        actions = list(
            db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("plugin.%")))
        )
    with tenant_scope(world.b.tenant):
        other = db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action.like("plugin.%")))
    assert actions == ["plugin.enabled", "plugin.disabled"]
    assert other == 0
    assert is_enabled(world.a.tenant, "dummy") is False
