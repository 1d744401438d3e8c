"""Per-process copies of what rarely changes, dropped by every worker as soon as it changes.

What every tenant page needs first (the tenant of its slug, the plugins it has enabled)
changes a few times a year but cost two statements per request. Each process keeps such
values per app (``app.extensions``, never in a module: the tests build many apps on
databases whose ids repeat) in a *generation* labelled with the database's cache stamp.

The stamp is a random string in the one-row table ``cache_stamps``. A transaction that
adds, changes or deletes a watched model (``install(app, Model)``: ``Tenant``,
``TenantPlugin``), by a flush or by a statement run through the session, writes a new
random stamp when it commits, in the same transaction, so
the change and its stamp commit or roll back together; the stamp is written last, after
the final flush, so its row lock is held only for the commit itself. A request reads the
stamp once, at its first cached lookup and before it reads anything it may keep; a
generation under another stamp is dropped. A change made by any worker is thus seen by the
next request of every worker, for one primary-key read per request. A new database starts
with a random stamp, so no cache ever matches a database it was not filled from.

Within the request that changes a watched model the cache is left alone from its first
such flush on (it reads the database, its own changes included). Only requests use the
cache: jobs, CLI commands and a test's own app context read the database as before.
Values are plain data or detached ORM objects (``detached_copy``); a request puts its own
copy of such an object in its session with ``Session.merge(load=False)`` (no query), so
what a view changes on it is tracked and saved as usual. Nothing personal is kept: only
what every visitor of a tenant sees alike.

A second stamp, the *data stamp* (the row ``DATA_STAMP_ID``), is renewed by every
committed transaction that wrote anything at all (a flush that changed a row, an INSERT,
UPDATE or DELETE run through the session), in the same way: last, in the same transaction.
Under it each process keeps what a page derives from tenant data (``remember``): a
rendered table, a tally, the signed-in person with their membership. Pages are read far
more often than anything is written (a GET never writes), so between two writes every
worker serves such values without reading them again; after a write, the next request of
every worker builds them anew. Both stamps are read in one statement.

How the stamps are read: before the request's session has begun (the usual case: the
stamps are what a request reads first), with the driver alone: a fixed statement needs
neither the session nor SQLAlchemy's statement machinery, which cost several times the
read itself (issue 15: 18 instead of 86 µs on SQLite), and a request served wholly from
kept values then never takes a connection into its session. With the production pool
(exactly a ``QueuePool``) each process reads on a connection of its own (``_read_own``),
made by the engine (its connect events run) and taken out of the pool for good: no
check-out, no check-in, a cursor kept; on PostgreSQL in autocommit for good, so it never
holds a transaction nor is rolled back, and the statement is prepared (psycopg clears its
prepared statements only at a ROLLBACK): one round trip, no Parse (issue 15: 40 instead
of 104 µs, 25 instead of 64 µs of CPU; on SQLite 10 instead of 17 µs, where a SELECT
begins no transaction in the driver's default mode, so it holds no snapshot). Before each use it
is checked as ``extensions.drop_closed_connection`` checks a pooled one (a readable socket:
the server closed it) and against ``pool_recycle``, and replaced when unfit; a read that
fails closes it and raises, the next request opens another. It remembers the process that
made it: a forked process (gunicorn's workers) makes its own and keeps the inherited one
referenced, never using or closing it (closing would end the parent's session on the
server); gunicorn's master serves no request, so it holds none. Disposing the engine
closes it, and so does the app going away. One thread at a time reads on it (a lock, never
waited for): while another thread of the process does (gthread workers), a request reads
on a connection checked out of the pool and given back at once (``_read_raw``), as with
any other pool that hands each check-out a connection of its own (the suite's
``NullPool``, so the tests hold no extra connection per app). There the statement runs in
autocommit and is not prepared (the pool's connections are rolled back, and psycopg's
DEALLOCATE ALL would cost a round trip), and the connection goes back outside a
transaction with autocommit off. ``cache_stamps`` holds no tenant rows, so row-level
security needs no scope for it. Either way the read sees the same as the start of the
session's transaction would: what the request reads later is at least as new. Once the
session has begun (this request read or wrote before), the stamps are read in its
transaction instead, whose view a snapshot (SQLite) or its own uncommitted writes may make
differ from another connection's. A pool that shares one connection among sessions
(in-memory SQLite's ``StaticPool``) is read through the session alone: giving a raw
connection back rolls it back, which could undo another session's work there.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import select as select_module
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context, has_request_context, request
from sqlalchemy import Engine, Integer, String, TextClause, event, insert, inspect, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, attributes, make_transient_to_detached, mapped_column
from sqlalchemy.pool import NullPool, QueuePool

from kringwerk.extensions import db
from kringwerk.tenancy.context import current_tenant_id

EXTENSION_KEY = "kringwerk.process_cache"
STAMP_ID = 1
DATA_STAMP_ID = 2
# Per process and data generation; a full generation keeps no more until the next write.
DATA_ENTRIES = 4096
DATA_TEXT = 8 * 1024 * 1024  # characters of kept HTML and other text (8–16 MB)
_REQUEST_KEY = "kringwerk.process_cache.generation"  # in request.environ: one per request
_DATA_KEY = "kringwerk.process_cache.data_generation"  # in request.environ
_PENDING = "kringwerk.process_cache.changed"  # in session.info: a watched model was flushed
_WROTE = "kringwerk.process_cache.wrote"  # in session.info: this transaction wrote a row
_WRITE_WORDS = ("insert", "update", "delete")

T = TypeVar("T")


class CacheStamp(db.Model):
    """The database's cache stamp: one row, a new random value with each change to cached data."""

    __tablename__ = "cache_stamps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(String(32))


def new_stamp() -> str:
    return secrets.token_hex(16)


class Generation:
    """The values one process keeps under one stamp."""

    __slots__ = ("entries", "limit", "sizes", "stamp", "text", "text_limit")

    def __init__(self, stamp: str, limit: int | None = None, text_limit: int | None = None) -> None:
        self.stamp = stamp
        self.limit = limit
        self.text_limit = text_limit
        self.text = 0  # characters of the strings kept
        self.sizes: dict[Hashable, int] = {}
        self.entries: dict[Hashable, Any] = {}

    def get(self, key: Hashable) -> Any:
        return self.entries.get(key)

    def put(self, key: Hashable, value: Any, size: int | None = None) -> Any:
        """Keep ``value`` (never None: a miss is not remembered) and give it back; a value
        already kept under ``key`` is replaced. ``size``: the characters of text it holds
        (by default a string's length)."""
        if value is None:
            return value
        if size is None:
            size = len(value) if isinstance(value, str) else 0
        old = self.entries.pop(key, None)
        if old is not None:
            self.text -= self.sizes.pop(key, 0)
        if self.limit is not None and len(self.entries) >= self.limit:
            return value
        if self.text_limit is not None and self.text + size > self.text_limit:
            return value
        self.text += size
        if size:
            self.sizes[key] = size
        self.entries[key] = value
        return value


class ProcessCache:
    """One app's cache: the models whose changes renew the stamp, and the current generation."""

    def __init__(self) -> None:
        self.watched: tuple[type, ...] = ()
        self.generation: Generation | None = None
        self.data_generation: Generation | None = None
        self.stamps_read = 0  # for tests: one per request that uses the cache
        self.builds = 0  # for tests: values ``remember`` built instead of finding them kept
        table = CacheStamp.__table__
        # Both rows (the table holds no others), with nothing in brackets. The one statement
        # of both ways to read them (the module's docstring): with the driver alone before
        # the session begins (compiled once for the engine: ``raw_read``), or in
        # the session once it has begun, where on PostgreSQL a plain read like this still
        # runs outside the transaction if nothing else ran in it yet (tenancy/rls.py).
        self.read_statement = select(table.c.id, table.c.value)
        # Decided at the first read (``_raw_read``): a RawRead, or False to read in the session.
        self.raw_read: RawRead | bool | None = None


def install(app: Flask, *watched: type) -> None:
    """Keep a process cache for ``app``; a change to any of ``watched`` renews the stamp (idempotent)."""
    state = app.extensions.setdefault(EXTENSION_KEY, ProcessCache())
    state.watched = (*state.watched, *(model for model in watched if model not in state.watched))
    for name, listener in (
        ("do_orm_execute", _note_bulk_change),
        ("after_flush", _note_change),
        ("before_commit", _renew_stamp_if_changed),
        ("after_transaction_end", _forget_change),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
    if not event.contains(CacheStamp.__table__, "after_create", _first_stamp):
        event.listen(CacheStamp.__table__, "after_create", _first_stamp)


def current() -> Generation | None:
    """This request's generation, checked against the database's stamp once per request;
    None outside a request, in an app without a process cache, after this request changed a
    watched model, or when the database has no stamp (then nothing is kept)."""
    if not has_request_context():
        return None
    environ = request.environ
    if _REQUEST_KEY in environ:
        return environ[_REQUEST_KEY]
    state = current_app.extensions.get(EXTENSION_KEY)
    generation = None
    # A session holding uncommitted changes to cached data neither uses nor fills the cache.
    data_generation = None
    if state is not None and not db.session.info.get(_PENDING):
        # Read before anything this request keeps, so what it keeps is at least this new.
        stamps = dict(_read_stamps(state))
        state.stamps_read += 1
        stamp, data_stamp = stamps.get(STAMP_ID), stamps.get(DATA_STAMP_ID)
        if stamp is not None:
            generation = state.generation
            if generation is None or generation.stamp != stamp:
                generation = state.generation = Generation(stamp)
        keep = current_app.config.get("KEEP_PAGE_DATA", True)
        if keep and data_stamp is not None and not db.session.info.get(_WROTE):
            data_generation = state.data_generation
            if data_generation is None or data_generation.stamp != data_stamp:
                data_generation = Generation(data_stamp, DATA_ENTRIES, DATA_TEXT)
                state.data_generation = data_generation
    environ[_REQUEST_KEY] = generation
    environ[_DATA_KEY] = data_generation
    return generation


class OwnConnection:
    """The driver's connection a process keeps for the stamp read, with its cursor, the
    process it was made in and when."""

    __slots__ = ("cursor", "driver", "finalizer", "made", "pid", "poller")

    def __init__(self, driver: Any, postgresql: bool) -> None:
        self.driver = driver
        self.cursor = driver.cursor()
        self.pid = os.getpid()
        self.made = time.monotonic()
        self.poller = None
        self.finalizer: weakref.finalize | None = None
        if postgresql:
            # Registered once: before each use, a readable socket means the server closed it.
            self.poller = select_module.poll()
            self.poller.register(driver.pgconn.socket, select_module.POLLIN | select_module.POLLPRI)


# Connections made in a parent process, kept referenced and never used or closed in this one
# (closing, or a driver finalising one, would end the parent's session on the server).
_INHERITED: list[OwnConnection] = []


class RawRead:
    """How this app reads the stamps outside the session: the engine and the statement's
    text; for a ``QueuePool`` (``keeps_own``) the process's own connection and its lock."""

    __slots__ = ("__weakref__", "engine", "keeps_own", "lock", "own", "postgresql", "recycle", "sql")

    def __init__(self, engine: Engine, sql: str) -> None:
        self.engine = engine
        self.sql = sql
        self.postgresql = engine.dialect.name == "postgresql"
        # Exactly the production pool: the suite's NullPool keeps nothing, so tests do not
        # hold one more connection per app; other pools read in the session or on a checkout.
        self.keeps_own = type(engine.pool) is QueuePool
        self.own: OwnConnection | None = None
        self.lock = threading.Lock()
        # The pool's age limit (``pool_recycle``) bounds the own connection's age as well.
        self.recycle = getattr(engine.pool, "_recycle", -1)
        if self.keeps_own:
            plan = weakref.ref(self)
            event.listen(engine, "engine_disposed", lambda engine: _close_own(plan()))


def _read_stamps(state: ProcessCache) -> list:
    """Both stamps' rows. Before the session has begun, with the driver alone: on the
    process's own connection (a ``QueuePool``, unless another thread of this process is
    reading on it right now), else on a pooled connection of its own. Neither the session nor
    SQLAlchemy's statement machinery is needed for one fixed read, so a request served
    wholly from kept values never takes a connection into its session. Once the session has
    begun (this request read or wrote before), in its transaction: its own view, which a
    snapshot (SQLite) or its own uncommitted writes make differ from another connection's."""
    session = db.session()  # the request's Session itself: the scoped proxy has no in_transaction
    plan = state.raw_read
    if plan is None:
        plan = state.raw_read = _raw_read(state)
    if plan is False or session.in_transaction():
        return session.connection().execute(state.read_statement).all()
    # Never waits: a gthread worker's other thread reading now sends this one to the pool.
    if plan.keeps_own and plan.lock.acquire(blocking=False):
        try:
            return _read_own(plan)
        finally:
            plan.lock.release()
    return _read_raw(plan)


def _raw_read(state: ProcessCache) -> RawRead | bool:
    """The raw read for this app's engine, or False for a pool that may hand the
    same connection to several users at once (``StaticPool`` for an in-memory SQLite
    database, ``SingletonThreadPool``): giving it back rolls back, which could undo another
    session's work on that shared connection. A ``QueuePool`` (production) or a
    ``NullPool`` (the test suite) hands each check-out a connection of its own."""
    engine = db.engine
    if not isinstance(engine.pool, QueuePool | NullPool):
        return False
    return RawRead(engine, str(state.read_statement.compile(dialect=engine.dialect)))


def _read_own(plan: RawRead) -> list:
    """Run the read on the process's own connection (the caller holds ``plan.lock``),
    opened first if there is none fit for use. On PostgreSQL it is in autocommit for good,
    so it never holds a transaction and is never rolled back: the statement stays prepared
    (psycopg forgets prepared statements only at a ROLLBACK), one round trip with no Parse.
    A failure closes it (the next request opens a new one) and raises SQLAlchemy's error
    for the driver's, as a read through the session would."""
    own = plan.own
    if own is None or not _fit_for_use(plan, own):
        plan.own = None  # should opening fail, the next request tries again
        own = plan.own = _open_own(plan)
    try:
        if plan.postgresql:
            own.cursor.execute(plan.sql, prepare=True)
        else:
            own.cursor.execute(plan.sql)
        return own.cursor.fetchall()
    except BaseException as error:
        plan.own = None
        _close_connection(own)
        dbapi = plan.engine.dialect.loaded_dbapi
        if isinstance(error, dbapi.Error):
            raise DBAPIError.instance(
                plan.sql, None, error, dbapi.Error, connection_invalidated=True, dialect=plan.engine.dialect
            ) from error
        raise


def _fit_for_use(plan: RawRead, own: OwnConnection) -> bool:
    """Whether ``own`` may serve this read; one that may not is let go here: one made in
    another process (gunicorn forks its workers) is kept referenced and never touched, one
    the server closed or that outlived ``pool_recycle`` is closed. The same cheap check as
    ``extensions.drop_closed_connection``: no round trip."""
    if own.pid != os.getpid():
        _INHERITED.append(own)
        return False
    if 0 <= plan.recycle < time.monotonic() - own.made or (
        own.poller is not None and (own.driver.closed or own.poller.poll(0))
    ):
        _close_connection(own)
        return False
    return True


def _check_out(plan: RawRead):
    """A pooled connection of ``plan``'s engine; a failure to connect raised as SQLAlchemy's
    error for the driver's, as the session would raise it."""
    engine = plan.engine
    dbapi = engine.dialect.loaded_dbapi
    try:
        return engine.raw_connection()
    except dbapi.Error as error:
        raise DBAPIError.instance(plan.sql, None, error, dbapi.Error, dialect=engine.dialect) from error


def _open_own(plan: RawRead) -> OwnConnection:
    """A new connection of the engine's own making (its connect events ran: SQLite's foreign
    keys), taken out of the pool for good (``detach``: the pool opens another in its place)."""
    engine = plan.engine
    dbapi = engine.dialect.loaded_dbapi
    raw = _check_out(plan)
    raw.detach()
    driver = raw.dbapi_connection
    try:
        if plan.postgresql:
            driver.autocommit = True  # idle: the pool gave it back outside a transaction
        own = OwnConnection(driver, plan.postgresql)
    except BaseException as error:
        driver.close()
        if isinstance(error, dbapi.Error):
            raise DBAPIError.instance(plan.sql, None, error, dbapi.Error, dialect=engine.dialect) from error
        raise
    # The app (and with it ``plan``) went away without disposing its engine: closed with it.
    own.finalizer = weakref.finalize(plan, _close_connection, own)
    return own


def _read_raw(plan: RawRead) -> list:
    """Run the read on a connection checked out of the pool and give it back. On PostgreSQL
    in autocommit for that statement alone, so psycopg sends no BEGIN and the pool's
    rollback at check-in nothing (as tenancy/rls.py does for a plain read of tables without
    tenant rows; ``cache_stamps`` has none, so row-level security needs no scope), and not
    prepared: psycopg forgets its prepared statements at every ROLLBACK with a DEALLOCATE
    ALL, a round trip a prepared stamp read would add after each request that rolled back.
    A failure throws the connection away, so a broken one never goes back into the pool,
    and raises SQLAlchemy's error for the driver's, as a read through the session would."""
    engine = plan.engine
    dbapi = engine.dialect.loaded_dbapi
    raw = _check_out(plan)
    try:
        driver = raw.dbapi_connection
        autocommit = plan.postgresql and not driver.autocommit
        if autocommit:
            driver.autocommit = True
        try:
            cursor = driver.cursor()
            try:
                if plan.postgresql:
                    cursor.execute(plan.sql, prepare=False)
                else:
                    cursor.execute(plan.sql)
                rows = cursor.fetchall()
            finally:
                cursor.close()
        finally:
            # The pool's connections are transactional; a closed one is thrown away below.
            if autocommit and not driver.closed:
                driver.autocommit = False
    except BaseException as error:
        raw.invalidate(error)  # closes the driver's connection; the pool opens a new one
        if isinstance(error, dbapi.Error):
            raise DBAPIError.instance(
                plan.sql, None, error, dbapi.Error, connection_invalidated=True, dialect=engine.dialect
            ) from error
        raise
    raw.close()
    return rows


def _close_own(plan: RawRead | None) -> None:
    """Let go of ``plan``'s own connection (the engine was disposed): closed when this
    process made it, else (``post_fork``'s dispose in a gunicorn worker) kept and untouched."""
    if plan is None or plan.own is None:
        return
    own, plan.own = plan.own, None
    if own.pid != os.getpid():
        _INHERITED.append(own)
        plan.lock = threading.Lock()  # in a new process: nobody here holds it
        return
    _close_connection(own)


def _close_connection(own: OwnConnection) -> None:
    """Close ``own`` if this process made it; errors closing a broken one do not matter."""
    if own.finalizer is not None:
        own.finalizer.detach()
    if own.pid != os.getpid():
        return
    with contextlib.suppress(Exception):  # a broken one: nothing left to close
        own.driver.close()


def current_data() -> Generation | None:
    """This request's data generation (see ``current``); None as well once this request has
    written anything."""
    if not has_request_context():
        return None
    if _DATA_KEY not in request.environ:
        current()
    return request.environ.get(_DATA_KEY)


def remember(key: Hashable, build: Callable[[], T], version: Hashable = None) -> T:
    """The value kept under ``key`` until the next committed write anywhere, built with
    ``build()`` when this process has none. ``key`` names everything the value depends on
    besides the data and the tenant in scope (added to the key here): the page, the locale,
    the person where it is personal; ``version`` what makes the kept value old without a
    write (the day, the minute): a value of another version is built anew and replaces it,
    so a clock in ``version`` keeps one entry per key. ``build`` only reads. Outside a
    request, or in a request that has written, it simply builds. None is never kept."""
    generation = current_data()
    key = (current_tenant_id(), key)
    if generation is not None:
        kept = generation.get(key)
        if kept is not None and kept[0] == version:
            return kept[1]
    value = build()
    if generation is not None and value is not None:
        current_app.extensions[EXTENSION_KEY].builds += 1
        if current_data() is generation:  # building wrote nothing: keep it
            size = len(value) if isinstance(value, str) else 0
            generation.put(key, (version, value), size)
    return value


def forget_all(app: Flask) -> None:
    """Drop ``app``'s generation, as a restart would (the next request fills a new one)."""
    state = app.extensions.get(EXTENSION_KEY)
    if state is not None:
        state.generation = None
        state.data_generation = None


def detached_copy(obj: Any) -> Any:
    """A copy of ``obj``'s column values that belongs to no session, to keep across requests
    and put into a session with ``Session.merge(obj, load=False)``."""
    mapper = inspect(obj).mapper
    copy = mapper.class_manager.new_instance()
    for prop in mapper.column_attrs:
        attributes.set_committed_value(copy, prop.key, getattr(obj, prop.key))
    make_transient_to_detached(copy)
    return copy


def in_session(prototype: Any) -> Any:
    """The session's own instance for a kept ``detached_copy``: the one it already holds
    (as a query would return it), else a merged copy (no query)."""
    session = db.session
    key = inspect(prototype).key
    existing = session.identity_map.get(key)
    return existing if existing is not None else session.merge(prototype, load=False)


def renew_stamp() -> None:
    """Renew the stamp when the current transaction commits: for changes to cached data
    made around the session's events (``text()``, a ``Connection``), which they cannot see."""
    db.session.info[_PENDING] = True
    db.session.info[_WROTE] = True
    _leave_request_cache()


# --- the session events ----------------------------------------------------------------


def _watched() -> tuple[type, ...]:
    if not has_app_context():
        return ()
    state = current_app.extensions.get(EXTENSION_KEY)
    return state.watched if state is not None else ()


def _note_change(session: Session, flush_context) -> None:
    if not session.info.get(_WROTE) and _writes(session, object):
        session.info[_WROTE] = True
        _leave_data_cache()
    if session.info.get(_PENDING):
        return
    watched = _watched()
    # In after_flush the session still shows what this flush wrote.
    if watched and _writes(session, watched):
        session.info[_PENDING] = True
        _leave_request_cache()


def _writes(session: Session, watched: tuple[type, ...]) -> bool:
    """Whether flushing ``session`` writes (wrote) a row of a watched model."""
    if any(isinstance(obj, watched) for obj in session.new):
        return True
    if any(isinstance(obj, watched) for obj in session.deleted):
        return True
    return any(isinstance(obj, watched) and session.is_modified(obj) for obj in session.dirty)


def _note_bulk_change(state) -> None:
    """An INSERT, UPDATE or DELETE statement run through the session on a watched table
    (``session.execute(update(Tenant)...)``), which no flush sees."""
    if not (state.is_update or state.is_delete or state.is_insert):
        if _is_text_write(state.statement):
            state.session.info[_WROTE] = True
            _leave_data_cache()
        return
    state.session.info[_WROTE] = True
    _leave_data_cache()
    watched = _watched()
    # The ORM's statements name an annotated copy of the table: compare by name.
    name = getattr(getattr(state.statement, "table", None), "name", None)
    if name is not None and any(name == model.__table__.name for model in watched):
        state.session.info[_PENDING] = True
        _leave_request_cache()


def _is_text_write(statement) -> bool:
    return isinstance(statement, TextClause) and statement.text.lstrip()[:6].lower() in _WRITE_WORDS


def _leave_request_cache() -> None:
    # From here on this request reads the database (its own changes included), not the cache.
    if has_request_context():
        request.environ[_REQUEST_KEY] = None
        request.environ[_DATA_KEY] = None


def _leave_data_cache() -> None:
    if has_request_context():
        request.environ[_DATA_KEY] = None


def _renew_stamp_if_changed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint's release: the outer transaction decides
        return
    info = session.info
    if not (info.get(_WROTE) or info.get(_PENDING) or _writes(session, object)):
        return
    if not _watched():  # an app without a process cache
        return
    session.flush()  # what commit would flush next: the stamps come after every row lock
    renew = [DATA_STAMP_ID] if session.info.pop(_WROTE, False) else []
    if session.info.pop(_PENDING, False):
        renew.append(STAMP_ID)
    table = CacheStamp.__table__
    connection = session.connection()
    for stamp_id in renew:
        stamp = new_stamp()
        written = connection.execute(update(table).where(table.c.id == stamp_id).values(value=stamp))
        if written.rowcount == 0:
            connection.execute(insert(table).values(id=stamp_id, value=stamp))


def _forget_change(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_WROTE, None)


def _first_stamp(table, connection, **kwargs) -> None:
    """A new database (``create_all``) starts with random stamps, as the migrations' does."""
    for stamp_id in (STAMP_ID, DATA_STAMP_ID):
        connection.execute(insert(table).values(id=stamp_id, value=new_stamp()))
