"""Count what goes over the wire to PostgreSQL, not only the statements.

``count_round_trips(engine)`` counts SQLAlchemy's statements (``before_cursor_execute``)
and every exchange with the server psycopg makes: a cursor's query (prepared or
not), the separate ``Parse`` of a statement it prepares (after five runs in one
transaction) and the ``Close`` of one, its own commands (``BEGIN``, ``COMMIT``,
``ROLLBACK``, ``DEALLOCATE ALL``), and the transaction's ``BEGIN`` with its row-level-security scope that
``tenancy/rls.py`` sends itself. Each of these waits for the server's answer once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg._connection_base as psycopg_connection
import psycopg._cursor_base as psycopg_cursor
from sqlalchemy import event

from kringwerk.tenancy import rls


@dataclass
class RoundTrips:
    statements: int = 0
    log: list[str] = field(default_factory=list)  # what went over the wire, in order

    @property
    def round_trips(self) -> int:
        return len(self.log)

    @property
    def extra(self) -> int:
        """Round trips beyond the statements themselves."""
        return self.round_trips - self.statements


def _text(query) -> str:
    query = getattr(query, "query", query)
    if isinstance(query, bytes | bytearray | memoryview):
        query = bytes(query).decode(errors="replace")
    return " ".join(str(query).split())[:120]


@contextmanager
def count_round_trips(engine) -> Iterator[RoundTrips]:
    counted = RoundTrips()
    send = psycopg_cursor.BaseCursor._execute_send
    prepare = psycopg_cursor.BaseCursor._send_prepare
    prepared = psycopg_cursor.BaseCursor._send_query_prepared
    command = psycopg_connection.BaseConnection._exec_command
    deallocate = psycopg_connection.BaseConnection._deallocate
    begin = rls._begin_with_scope

    def counted_send(self, query, *args, **kwargs):
        counted.log.append(_text(query))
        return send(self, query, *args, **kwargs)

    def counted_prepare(self, name, query, *args, **kwargs):
        counted.log.append("PREPARE " + _text(query))
        return prepare(self, name, query, *args, **kwargs)

    def counted_prepared(self, name, query, *args, **kwargs):
        counted.log.append(_text(query))
        return prepared(self, name, query, *args, **kwargs)

    def counted_deallocate(self, name):
        if name is not None:  # DEALLOCATE ALL is a command, counted there
            counted.log.append(f"CLOSE {name!r}")
        return (yield from deallocate(self, name))

    def counted_command(self, cmd, *args, **kwargs):
        counted.log.append(_text(cmd))
        return (yield from command(self, cmd, *args, **kwargs))

    def counted_begin(driver, wanted):
        counted.log.append(f"BEGIN; set_config {wanted}")
        return begin(driver, wanted)

    def count_statement(*_args):
        counted.statements += 1

    psycopg_cursor.BaseCursor._execute_send = counted_send
    psycopg_cursor.BaseCursor._send_prepare = counted_prepare
    psycopg_cursor.BaseCursor._send_query_prepared = counted_prepared
    psycopg_connection.BaseConnection._exec_command = counted_command
    psycopg_connection.BaseConnection._deallocate = counted_deallocate
    rls._begin_with_scope = counted_begin
    event.listen(engine, "before_cursor_execute", count_statement)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", count_statement)
        psycopg_cursor.BaseCursor._execute_send = send
        psycopg_cursor.BaseCursor._send_prepare = prepare
        psycopg_cursor.BaseCursor._send_query_prepared = prepared
        psycopg_connection.BaseConnection._exec_command = command
        psycopg_connection.BaseConnection._deallocate = deallocate
        rls._begin_with_scope = begin
