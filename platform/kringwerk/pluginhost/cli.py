"""Command-line commands of the plugin host (collected by kringwerk.cli):
``kringwerk plugins list [TENANT]``, ``plugins enable TENANT KEY`` and
``plugins disable TENANT KEY``. Changes go through ``pluginhost.services``, so
the ``requires`` rules and the audit trail apply as in the operator console."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from kringwerk.cli import needs_database
from kringwerk.extensions import db

plugins = AppGroup("plugins", help="List the installed plugins; enable or disable one in a tenant.")


def _fail(message) -> None:
    click.echo(str(message), err=True)
    raise SystemExit(1)


def _tenant(slug: str):
    from kringwerk.tenants.services import find_tenant

    tenant = find_tenant(slug)
    if tenant is None:
        _fail(_("There is no tenant “%(slug)s”.", slug=slug))
    return tenant


@plugins.command("list")
@click.argument("tenant", required=False)
@needs_database
def list_command(tenant: str | None) -> None:
    """List the installed plugins; with TENANT, also whether each is enabled there."""
    from kringwerk.pluginhost.gating import enabled_keys
    from kringwerk.pluginhost.registry import get_registry

    registry = get_registry()
    enabled = enabled_keys(_tenant(tenant)) if tenant else None
    rows = []
    for plugin in registry:
        row = [plugin.key, str(plugin.name)]
        if enabled is not None:
            row.append(_("enabled") if plugin.key in enabled else _("disabled"))
        rows.append(row)
    if not rows:
        click.echo(_("No plugins are installed."))
        return
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@plugins.command("enable")
@click.argument("tenant")
@click.argument("key")
@needs_database
def enable_command(tenant: str, key: str) -> None:
    """Enable plugin KEY in TENANT (a slug)."""
    from kringwerk.pluginhost.gating import is_enabled
    from kringwerk.pluginhost.services import PluginError, enable_plugin

    target = _tenant(tenant)
    try:
        if is_enabled(target, key):
            click.echo(_("%(key)s is already enabled in %(tenant)s.", key=key, tenant=target.slug))
            return
        enable_plugin(target, key, actor=None)
        db.session.commit()
    except PluginError as error:
        db.session.rollback()
        _fail(error)
    click.echo(_("Enabled %(key)s in %(tenant)s.", key=key, tenant=target.slug))


@plugins.command("disable")
@click.argument("tenant")
@click.argument("key")
@needs_database
def disable_command(tenant: str, key: str) -> None:
    """Disable plugin KEY in TENANT (a slug). The plugin's data stays."""
    from kringwerk.pluginhost.gating import is_enabled
    from kringwerk.pluginhost.services import PluginError, disable_plugin

    target = _tenant(tenant)
    try:
        was_enabled = is_enabled(target, key)
        disable_plugin(target, key, actor=None)
        db.session.commit()
    except PluginError as error:
        db.session.rollback()
        _fail(error)
    if was_enabled:
        click.echo(_("Disabled %(key)s in %(tenant)s; its data is kept.", key=key, tenant=target.slug))
    else:
        click.echo(_("%(key)s is not enabled in %(tenant)s.", key=key, tenant=target.slug))


commands: list[click.Command] = [plugins]
