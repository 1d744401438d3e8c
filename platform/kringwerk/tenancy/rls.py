"""Row-level security: PostgreSQL's wall behind the ORM's.

Every tenant-owned table gets ``FORCE ROW LEVEL SECURITY`` and one policy: a
row is visible and writable only when its ``tenant_id`` is the tenant the
current transaction runs as, or the transaction runs ``unscoped``. So even
raw SQL (``text()``, Core statements: the ORM filter's known holes) cannot
cross tenants.

The tenant travels per transaction with ``set_config(..., true)`` (never plain
``SET``, which would outlive the transaction on a pooled connection). The
transaction's first statement costs no extra round trip for it: the ``BEGIN``
the driver would send on its own goes out together with the scope, as one
simple query (``BEGIN; SELECT set_config(...)``). Later in the transaction,
before each statement whose scope differs from what the transaction was last
told, one extra statement updates it. The app must connect as a role that is
neither superuser nor ``BYPASSRLS``; FORCE makes the tables' owner obey too.
"""

from __future__ import annotations

import re

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection, Engine

from kringwerk.tenancy.context import current_tenant_id, unscoped_reason

POLICY = "tenant_isolation"
_TOLD = "kringwerk_rls_scope"
# Savepoint statements read no rows, and ROLLBACK TO must reach an aborted
# transaction untouched: anything sent before it fails (InFailedSqlTransaction).
_SAVEPOINT_STATEMENT = re.compile(r"\s*(SAVEPOINT|ROLLBACK\s+TO|RELEASE)\b", re.IGNORECASE)

# The same condition the migrations write; keep both in step.
CONDITION = (
    "current_setting('app.unscoped', true) = 'on' "
    "OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::integer"
)


def policy_statements(table: str) -> list[str]:
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON {table}",
        f"CREATE POLICY {POLICY} ON {table} USING ({CONDITION}) WITH CHECK ({CONDITION})",
    ]


def tenant_tables(metadata: MetaData) -> list[str]:
    """Every table holding tenant rows: mapped models and link tables alike."""
    return [t.name for t in metadata.sorted_tables if "tenant_id" in t.columns and t.name != "tenants"]


def install_policies(connection: Connection, tables: list[str]) -> None:
    for table in tables:
        for statement in policy_statements(table):
            connection.exec_driver_sql(statement)


def install(engine_class: type[Engine] = Engine) -> None:
    """Tell PostgreSQL the scope of each transaction (idempotent; other databases are left alone)."""
    listeners = (
        ("before_cursor_execute", _tell_scope),
        ("begin", _forget_scope),
        ("commit", _forget_scope),
        ("rollback", _forget_scope),
        ("rollback_savepoint", _forget_scope_after_savepoint),
    )
    for name, listener in listeners:
        if not event.contains(engine_class, name, listener):
            event.listen(engine_class, name, listener)


def _tell_scope(connection, cursor, statement, parameters, context, executemany) -> None:
    if connection.dialect.name != "postgresql":
        return
    tenant_id = current_tenant_id()
    wanted = (
        "" if tenant_id is None else str(int(tenant_id)),
        "on" if unscoped_reason() is not None else "off",
    )
    driver = cursor.connection
    if _outside_a_transaction(driver):
        # Whatever this connection was told belonged to an earlier transaction.
        _begin_with_scope(driver, wanted)
        connection.info[_TOLD] = wanted
        return
    if _SAVEPOINT_STATEMENT.match(statement):
        return
    if connection.info.get(_TOLD) != wanted:
        cursor.execute(
            "SELECT set_config('app.tenant_id', %s, true), set_config('app.unscoped', %s, true)", wanted
        )
        connection.info[_TOLD] = wanted


def _outside_a_transaction(driver) -> bool:
    """True when psycopg would send its own plain ``BEGIN`` before the statement
    (libpq knows the transaction status without asking the server)."""
    from psycopg import pq  # here: SQLite instances never load the driver

    pgconn = getattr(driver, "pgconn", None)
    return (
        pgconn is not None
        and pgconn.transaction_status == pq.TransactionStatus.IDLE
        and not driver.autocommit
        # Anything but the default BEGIN is left to psycopg (and told the usual way).
        and driver.isolation_level is None
        and driver.read_only is None
        and driver.deferrable is None
    )


def _begin_with_scope(driver, wanted: tuple[str, str]) -> None:
    """``BEGIN`` and the scope in one round trip. The simple query protocol takes
    several statements but no parameters, so the values are written in: digits
    or nothing, and on/off (checked here, never text from outside)."""
    from psycopg import errors, pq

    tenant, flag = wanted
    if not (tenant == "" or tenant.isdigit()) or flag not in ("on", "off"):
        raise ValueError(f"not a scope: {wanted!r}")
    command = (
        f"BEGIN; SELECT set_config('app.tenant_id', '{tenant}', true), "
        f"set_config('app.unscoped', '{flag}', true)"
    )
    with driver.lock:
        # psycopg reads the transaction status from libpq, so it sends no BEGIN of
        # its own for the statement that follows, and commits or rolls back as usual.
        result = driver.pgconn.exec_(command.encode())
    if result.status != pq.ExecStatus.TUPLES_OK:
        # A dead connection lands here too (psycopg then sees it broken, and
        # SQLAlchemy treats the error as a disconnect).
        raise errors.error_from_result(result, encoding=driver.info.encoding)


def _forget_scope(connection) -> None:
    # An invalidated connection (the server dropped it) has no info to reach, and
    # its replacement starts outside a transaction, where the scope is always told.
    if not connection.invalidated:
        connection.info.pop(_TOLD, None)


def _forget_scope_after_savepoint(connection, name, context) -> None:
    # Rolling back to a savepoint also undoes a set_config made after it; the
    # next statement after the rollback tells the scope again.
    _forget_scope(connection)
