"""Fixtures for the operator console tests: a signed-in operator, a plugin that
needs another one, and a counter of SQL statements."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from kringwerk.extensions import db
from kringwerk.pluginhost import Plugin, get_registry


@pytest.fixture
def operator_client(world, login_as):
    return login_as(world.operator)


@pytest.fixture
def needy_plugin(app):
    """A plugin that cannot be enabled before ``dummy`` (for PluginError messages)."""
    plugin = Plugin(key="needy", name="Needy", requires=("dummy",))
    get_registry(app).add(plugin)
    return plugin


@contextmanager
def counted_queries():
    statements: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)


@pytest.fixture
def count_queries():
    return counted_queries
