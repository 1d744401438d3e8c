"""The ``kringwerk`` command: the Flask CLI with Kringwerk's app factory.

``kringwerk run``, ``kringwerk db upgrade`` (Flask-Migrate), and the commands
each domain adds in its own ``cli`` module: ``tenants sync``, ``plugins
list|enable|disable``, ``worker``, ``tick`` and ``demo``.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def init_app(app: Flask) -> None:
    from kringwerk.demo import cli as demo_cli
    from kringwerk.jobs import cli as jobs_cli
    from kringwerk.plugin_api import cli as plugins_cli
    from kringwerk.tenancy import cli as tenants_cli

    for module in (tenants_cli, plugins_cli, jobs_cli, demo_cli):
        for command in module.commands:
            app.cli.add_command(command)


def _create_app() -> Flask:
    from kringwerk import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Kringwerk: run the server, migrate the database, manage tenants and plugins."""
