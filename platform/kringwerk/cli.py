"""The ``kringwerk`` command: the Flask CLI with Kringwerk's app factory and commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def init_app(app: Flask) -> None:
    pass


@click.group(cls=FlaskGroup, create_app=lambda: __import__("kringwerk").create_app())
def main() -> None:
    """Kringwerk: run the server, migrate the database, manage tenants and plugins."""
