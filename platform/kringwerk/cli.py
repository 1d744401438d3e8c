"""The ``kringwerk`` command: the Flask CLI with Kringwerk's app factory.

``kringwerk run``, ``kringwerk db upgrade`` (Flask-Migrate), and the commands
each domain adds in its own ``cli`` module: ``tenants sync``, ``plugins
list|enable|disable``, ``worker``, ``tick`` and ``demo``.
"""

from __future__ import annotations

from functools import wraps

import click
from flask import Flask
from flask.cli import FlaskGroup


def init_app(app: Flask, migrations: bool = True) -> None:
    from kringwerk.demo import cli as demo_cli
    from kringwerk.jobs import cli as jobs_cli
    from kringwerk.pluginhost import cli as plugins_cli
    from kringwerk.tenants import cli as tenants_cli

    for module in (tenants_cli, plugins_cli, jobs_cli, demo_cli):
        for command in module.commands:
            app.cli.add_command(command)
    if migrations:  # the web process has no ``db`` commands (extensions.init_migrations)
        _upgrade_every_branch()


def _upgrade_every_branch() -> None:
    """``kringwerk db upgrade`` brings the core and every plugin's branch up to date:
    each plugin keeps its own Alembic branch, so the default target is ``heads``."""
    from flask_migrate.cli import upgrade

    for parameter in upgrade.params:
        if parameter.name == "revision":
            parameter.default = "heads"


def fail_unready_database(error: Exception) -> None:
    """Most often the schema is missing: say how to create it rather than show a traceback."""
    from flask_babel import gettext as _

    from kringwerk.extensions import db

    db.session.rollback()
    click.echo(
        _("The database is not ready: %(error)s", error=str(getattr(error, "orig", error)).strip()), err=True
    )
    click.echo(_("Run `kringwerk db upgrade` first."), err=True)
    raise SystemExit(1)


def needs_database(command):
    """Turn a missing or unmigrated database into a clear message and exit code 1."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (OperationalError, ProgrammingError) as error:
            fail_unready_database(error)

    return wrapper


def _create_app() -> Flask:
    from kringwerk import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Kringwerk: run the server, migrate the database, manage tenants and plugins."""
