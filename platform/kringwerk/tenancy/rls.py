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
simple query (``BEGIN; SELECT set_config(...)``). A plain read of tables
without tenant rows (the cache stamp, a user) that comes before it runs outside
the transaction, as it would see the same under READ COMMITTED, so that the
BEGIN carries the scope of the first statement needing one (the request's
tenant, once its scope is entered). Later in the transaction, before each
statement whose scope differs from what the transaction was last told, one
extra statement updates it. The app must connect as a role that is
neither superuser nor ``BYPASSRLS``; FORCE makes the tables' owner obey too.
"""

from __future__ import annotations

import functools
import re

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection, Engine

from kringwerk.extensions import db
from kringwerk.tenancy.context import current_tenant_id, unscoped_reason

POLICY = "tenant_isolation"
_TOLD = "kringwerk_rls_scope"
_OUTSIDE = "kringwerk_rls_outside_transaction"  # this statement runs in autocommit
_PLACEHOLDER = re.compile(r"%\(\w+\)s|%s")
_PLAIN_SELECT = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_ROW_LOCK = re.compile(r"\bFOR\s+(UPDATE|SHARE|NO\s+KEY|KEY)\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z_][a-z0-9_$]*")
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
        ("after_cursor_execute", _back_in_transaction),
        ("handle_error", _back_in_transaction_after_error),
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
    _restore_transactions(connection, driver)
    if _outside_a_transaction(driver):
        if _reads_no_tenant_rows(statement):
            # It needs no scope, and under READ COMMITTED (each statement its own
            # snapshot) it sees the same outside a transaction as at the start of
            # one: the BEGIN waits for the first statement that needs the scope.
            driver.autocommit = True
            connection.info[_OUTSIDE] = True
            return
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


def _back_in_transaction(connection, cursor, statement, parameters, context, executemany) -> None:
    if connection.dialect.name == "postgresql":
        _restore_transactions(connection, cursor.connection)


def _back_in_transaction_after_error(context) -> None:
    connection = context.connection
    if connection is not None and connection.dialect.name == "postgresql" and not connection.invalidated:
        _restore_transactions(connection, connection.connection.dbapi_connection)


def _restore_transactions(connection, driver) -> None:
    """End the one statement run outside a transaction: the next one begins a
    transaction again (also checked before every statement, should an error
    have skipped the events after it)."""
    # A lost connection is thrown away: nothing to restore (and psycopg would refuse).
    if connection.info.pop(_OUTSIDE, False) and not driver.closed:
        driver.autocommit = False


def _reads_no_tenant_rows(statement: str) -> bool:
    """True for a plain read of tables without tenant rows (``cache_stamps``,
    ``tenants``, ``users``): a SELECT naming no tenant table, with no function
    call or subquery (nothing in brackets, parameters aside) and no row lock.
    Anything else, or in doubt, goes into the transaction."""
    # Plugins add their tables to the metadata when an app loads them: count them in.
    return _judge_statement(statement, _tenant_table_names(len(db.metadata.tables)))


@functools.lru_cache(maxsize=2048)
def _judge_statement(statement: str, tenant_tables: frozenset[str]) -> bool:
    text = _PLACEHOLDER.sub("?", statement)
    if not _PLAIN_SELECT.match(text) or "(" in text or ";" in text or _ROW_LOCK.search(text):
        return False
    words = set(_WORD.findall(text.lower()))
    return not words & tenant_tables


@functools.lru_cache(maxsize=4)
def _tenant_table_names(_count: int) -> frozenset[str]:
    return frozenset(tenant_tables(db.metadata))


def _outside_a_transaction(driver) -> bool:
    """True when psycopg would send its own plain ``BEGIN`` before the statement
    (libpq knows the transaction status without asking the server)."""
    from psycopg import IsolationLevel, pq  # here: SQLite instances never load the driver

    pgconn = getattr(driver, "pgconn", None)
    return (
        pgconn is not None
        and pgconn.transaction_status == pq.TransactionStatus.IDLE
        and not driver.autocommit
        # READ COMMITTED (the server's default, or set back by SQLAlchemy after a
        # connection ran another level); anything else is left to psycopg's BEGIN,
        # and the scope told the usual way.
        and driver.isolation_level in (None, IsolationLevel.READ_COMMITTED)
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
    begin = "BEGIN" if driver.isolation_level is None else "BEGIN ISOLATION LEVEL READ COMMITTED"
    command = (
        f"{begin}; SELECT set_config('app.tenant_id', '{tenant}', true), "
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
