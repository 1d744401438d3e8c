"""A plugin's per-tenant settings form: shown on the tenant's settings page where
the plugin is on and to the roles it names, validated (422 keeping the input),
saved into that tenant's ``tenant_plugins.settings`` alone."""

from __future__ import annotations

import pytest

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.pluginhost.manifest import SettingsForm
from kringwerk.pluginhost.services import (
    disable_plugin,
    enable_plugin,
    plugin_settings,
    save_settings_form,
    settings_forms,
)
from kringwerk.tenancy import tenant_scope
from tests.support.dummy_plugin.forms import DummySettingsForm
from tests.web.conftest import page

URL = "/kring-a/admin/settings/plugins/dummy/"


@pytest.fixture
def dummy_in_both(world):
    """Dummy on in A; in B it is on too but switched off again, so B has a settings row of its own."""
    enable_plugin(world.a.tenant, "dummy")
    enable_plugin(world.b.tenant, "dummy")
    disable_plugin(world.b.tenant, "dummy")
    db.session.commit()
    return world


def test_a_settings_form_needs_a_form_or_a_page():
    with pytest.raises(ValueError):
        SettingsForm("dummy", "Neither")
    with pytest.raises(ValueError):
        SettingsForm("dummy", "Both", form=DummySettingsForm, endpoint="dummy.index")


def test_offered_only_where_the_plugin_is_on(app, dummy_in_both):
    world = dummy_in_both
    with app.test_request_context():
        assert [spec.plugin for spec in settings_forms(world.a.tenant)] == ["dummy"]
        assert settings_forms(world.b.tenant) == []


def test_saving_writes_the_tenants_own_settings(app, dummy_in_both):
    world = dummy_in_both
    with app.test_request_context(method="POST", data={"dummy-greeting": "hoi", "dummy-threshold": "7"}):
        form = DummySettingsForm(prefix="dummy-", meta={"csrf": False})
        assert form.validate()
        assert save_settings_form(world.a.tenant, "dummy", form, actor=world.a.admin) == {
            "greeting": "hoi",
            "threshold": 7,
        }
        db.session.commit()
        assert save_settings_form(world.a.tenant, "dummy", form) == {}  # nothing new: no write
    assert plugin_settings(world.a.tenant, "dummy") == {"greeting": "hoi", "threshold": 7}
    assert plugin_settings(world.b.tenant, "dummy") == {"greeting": "hallo", "threshold": 3}
    with tenant_scope(world.a.tenant):
        changes = db.session.query(AuditEntry).filter_by(action="plugin.settings_changed").all()
    assert len(changes) == 1 and changes[0].details == {"greeting": "hoi", "threshold": 7}
    with tenant_scope(world.b.tenant):
        assert not db.session.query(AuditEntry).filter_by(action="plugin.settings_changed").count()


def test_the_settings_page_shows_the_form_to_the_board(client, dummy_in_both, login_as):
    world = dummy_in_both
    login_as(world.a.admin)
    shell = page(client.get("/kring-a/admin/settings/"))
    assert "Dummy settings" in shell.text and "How the dummy greets." in shell.text
    assert shell.find("form", action=URL)
    assert shell.find("input", name="dummy-greeting", value="hallo")
    assert shell.find("input", name="next", value="/kring-a/admin/settings/")
    client.post("/account/logout")

    login_as(world.b.admin)  # off in B
    shell = page(client.get("/kring-b/admin/settings/"))
    assert "Dummy settings" not in shell.text and not shell.find("input", name="dummy-greeting")


@pytest.mark.parametrize(
    ("who", "url", "status"),
    [
        ("a.admin", URL, 200),
        ("a.facilitator", URL, 403),  # the form is for the board
        ("a.member", URL, 403),
        ("b.admin", URL, 404),  # another tenant's board
        ("b.admin", "/kring-b/admin/settings/plugins/dummy/", 404),  # off in B
        ("a.admin", "/kring-a/admin/settings/plugins/polls/", 404),  # not enabled, no form
        ("operator", URL, 200),
    ],
)
def test_who_opens_the_form(client, dummy_in_both, login_as, who, url, status):
    world = dummy_in_both
    user = world.operator if who == "operator" else getattr(getattr(world, who[0]), who[2:])
    login_as(user)
    assert client.get(url).status_code == status
    assert client.post(url, data={"dummy-greeting": "x", "dummy-threshold": "2"}).status_code in (
        (status,) if status != 200 else (302,)
    )


def test_a_valid_form_saves_and_returns(client, dummy_in_both, login_as):
    world = dummy_in_both
    login_as(world.a.admin)
    response = client.post(
        URL,
        data={"dummy-greeting": "goedemorgen", "dummy-threshold": "5", "next": "/kring-a/admin/settings/"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/kring-a/admin/settings/"
    assert plugin_settings(world.a.tenant, "dummy") == {"greeting": "goedemorgen", "threshold": 5}
    assert plugin_settings(world.b.tenant, "dummy") == {"greeting": "hallo", "threshold": 3}
    shell = page(client.get("/kring-a/admin/settings/"))
    assert "The settings are saved." in shell.text
    assert shell.find("input", name="dummy-greeting", value="goedemorgen")
    # An address elsewhere is not followed.
    response = client.post(
        URL, data={"dummy-greeting": "hoi", "dummy-threshold": "5", "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == URL


def test_bad_input_answers_422_and_keeps_what_was_typed(client, dummy_in_both, login_as):
    world = dummy_in_both
    login_as(world.a.admin)
    response = client.post(URL, data={"dummy-greeting": "a greeting far too long", "dummy-threshold": "99"})
    assert response.status_code == 422
    shell = page(response)
    assert shell.find("div", class_="error-summary")
    assert shell.find("input", name="dummy-greeting", value="a greeting far too long")
    assert shell.find("input", name="dummy-threshold", value="99", aria_invalid="true")
    assert plugin_settings(world.a.tenant, "dummy") == {"greeting": "hallo", "threshold": 3}
