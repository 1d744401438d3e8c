"""Fixtures for the audit log tests: entries in both tenants and a counter of SQL statements."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from kringwerk.audit.services import record
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope

MOMENT = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)


def add_entries(tenant, actor, actions, *, start=MOMENT, **kwargs):
    """Record ``actions`` in ``tenant``, one minute apart from ``start``."""
    entries = []
    with tenant_scope(tenant):
        for n, action in enumerate(actions):
            entry = record(action, actor=actor, **kwargs)
            entry.created_at = start + timedelta(minutes=n)
            entries.append(entry)
        db.session.flush()
    db.session.commit()
    return entries


@pytest.fixture
def entries(world):
    """Tenant A: a company and a member change by its admin; tenant B: a secret of its own."""
    add_entries(world.a.tenant, world.a.admin, ["company.created"], target_label="Alpha BV")
    add_entries(
        world.a.tenant,
        world.a.facilitator,
        ["member.invited"],
        start=MOMENT + timedelta(hours=1),
        target_label="nieuw@example.com",
        details={"role": "member"},
    )
    add_entries(world.b.tenant, world.b.admin, ["company.deleted"], target_label="Bravo Geheim BV")
    return world


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
