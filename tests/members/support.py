"""Helpers for the member tests: the audit trail, an SQL statement counter, and
looking up themes."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.members.models import Theme
from kringwerk.tenancy import tenant_scope


def theme_by_key(key: str) -> Theme:
    return db.session.scalar(select(Theme).where(Theme.key == key))


def audit_actions(tenant) -> list[str]:
    with tenant_scope(tenant):
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def last_audit(tenant) -> AuditEntry:
    with tenant_scope(tenant):
        return db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))


@contextmanager
def count_queries():
    """Collect the SQL statements sent to the database inside the block."""
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def page_text(response) -> str:
    return response.get_data(as_text=True)
