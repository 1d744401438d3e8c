"""``kringwerk plugins list|enable|disable``: the command line over pluginhost.services."""

from __future__ import annotations

import contextvars

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.pluginhost.gating import enabled_keys
from kringwerk.pluginhost.models import TenantPlugin
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from tests.conftest import TEST_PLUGINS, base_config


@pytest.fixture
def app_config(tmp_path, database_url):
    # The dependent plugin (requires dummy) makes the services refuse changes.
    return base_config(
        tmp_path, database_url, EXTRA_PLUGINS=(*TEST_PLUGINS, "tests.support.dependent_plugin")
    )


@pytest.fixture(autouse=True)
def english(app):
    """Messages are compared in English whatever the catalogs say."""
    with force_locale("en"):
        yield


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["plugins", *args])


def actions(tenant) -> list[tuple[str, str]]:
    with tenant_scope(tenant):
        return db.session.execute(
            select(AuditEntry.action, AuditEntry.target_label).order_by(AuditEntry.id)
        ).all()


def test_list_shows_every_installed_plugin(cli):
    result = cli("list")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert [row[0] for row in rows] == ["dependent", "dummy", "events", "masterplan", "mkb-toets", "polls"]
    assert rows[1] == ["dummy", "Dummy"]
    assert rows[4] == ["mkb-toets", "MKB-toets"]


def test_list_for_a_tenant_shows_its_own_state(cli, world):
    enable_plugin(world.a.tenant, "dummy")
    enable_plugin(world.b.tenant, "polls")
    db.session.commit()

    a_rows = {line.split()[0]: line.split()[-1] for line in cli("list", "kring-a").stdout.splitlines()}
    b_rows = {line.split()[0]: line.split()[-1] for line in cli("list", "kring-b").stdout.splitlines()}

    assert a_rows["dummy"] == "enabled" and a_rows["polls"] == "disabled"
    assert b_rows["dummy"] == "disabled" and b_rows["polls"] == "enabled"


def test_enable_then_disable_in_one_tenant_only(cli, world):
    result = cli("enable", "kring-a", "dummy")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Enabled dummy in kring-a.\n"
    assert enabled_keys(world.a.tenant) == {"dummy"}
    assert enabled_keys(world.b.tenant) == frozenset()
    assert ("plugin.enabled", "dummy") in actions(world.a.tenant)
    assert all(action != "plugin.enabled" for action, _label in actions(world.b.tenant))

    again = cli("enable", "kring-a", "dummy")
    assert again.exit_code == 0
    assert "already enabled" in again.stdout

    result = cli("disable", "kring-a", "dummy")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Disabled dummy in kring-a; its data is kept.\n"
    db.session.expire_all()
    assert enabled_keys(world.a.tenant) == frozenset()
    with tenant_scope(world.a.tenant):
        row = db.session.scalar(select(TenantPlugin).where(TenantPlugin.key == "dummy"))
    assert row is not None and not row.enabled
    assert ("plugin.disabled", "dummy") in actions(world.a.tenant)

    result = cli("disable", "kring-a", "dummy")
    assert result.exit_code == 0
    assert "is not enabled" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("list", "nowhere"), "There is no tenant “nowhere”."),
        (("enable", "nowhere", "polls"), "There is no tenant “nowhere”."),
        (("disable", "nowhere", "polls"), "There is no tenant “nowhere”."),
        (("enable", "kring-a", "pols"), "There is no plugin called “pols”."),
        (("disable", "kring-a", "pols"), "There is no plugin called “pols”."),
        (("enable", "kring-a", "dependent"), "Dependent needs dummy to be enabled first."),
    ],
)
def test_bad_input_exits_1_with_a_message_and_changes_nothing(cli, world, args, message):
    result = cli(*args)
    assert result.exit_code == 1
    assert result.stderr.strip() == message
    assert result.stdout == ""
    assert enabled_keys(world.a.tenant) == frozenset()


def test_disabling_a_required_plugin_is_refused(cli, world):
    assert cli("enable", "kring-a", "dummy").exit_code == 0
    assert cli("enable", "kring-a", "dependent").exit_code == 0

    result = cli("disable", "kring-a", "dummy")

    assert result.exit_code == 1
    assert result.stderr.strip() == "Dummy is needed by Dependent; disable those first."
    db.session.expire_all()
    assert enabled_keys(world.a.tenant) == {"dummy", "dependent"}


def test_an_unmigrated_database_gets_a_clear_message(tmp_path):
    from kringwerk import create_app
    from tests.conftest import base_config

    empty = create_app(
        base_config(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}", BABEL_DEFAULT_LOCALE="en"), environ={}
    )
    # A fresh context: outside this module's app, so the command opens the empty database.
    result = contextvars.Context().run(
        empty.test_cli_runner().invoke, args=["plugins", "enable", "kring-a", "dummy"]
    )
    assert result.exit_code == 1
    assert "kringwerk db upgrade" in result.output and "Traceback" not in result.output
