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
"""

from __future__ import annotations

import secrets
from collections.abc import Hashable
from typing import Any

from flask import Flask, current_app, has_app_context, has_request_context, request
from sqlalchemy import Integer, String, event, insert, inspect, select, update
from sqlalchemy.orm import Mapped, Session, attributes, make_transient_to_detached, mapped_column

from kringwerk.extensions import db

EXTENSION_KEY = "kringwerk.process_cache"
STAMP_ID = 1
_REQUEST_KEY = "kringwerk.process_cache.generation"  # in request.environ: one per request
_PENDING = "kringwerk.process_cache.changed"  # in session.info: a watched model was flushed


class CacheStamp(db.Model):
    """The database's cache stamp: one row, a new random value with each change to cached data."""

    __tablename__ = "cache_stamps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(String(32))


def new_stamp() -> str:
    return secrets.token_hex(16)


class Generation:
    """The values one process keeps under one stamp."""

    __slots__ = ("entries", "stamp")

    def __init__(self, stamp: str) -> None:
        self.stamp = stamp
        self.entries: dict[Hashable, Any] = {}

    def get(self, key: Hashable) -> Any:
        return self.entries.get(key)

    def put(self, key: Hashable, value: Any) -> Any:
        """Keep ``value`` (never None: a miss is not remembered) and give it back."""
        if value is not None:
            self.entries[key] = value
        return value


class ProcessCache:
    """One app's cache: the models whose changes renew the stamp, and the current generation."""

    def __init__(self) -> None:
        self.watched: tuple[type, ...] = ()
        self.generation: Generation | None = None
        self.stamps_read = 0  # for tests: one per request that uses the cache
        table = CacheStamp.__table__
        self.read_statement = select(table.c.value).where(table.c.id == STAMP_ID)


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
    if state is not None and not db.session.info.get(_PENDING):
        # Read before anything this request keeps, so what it keeps is at least this new.
        stamp = db.session.connection().execute(state.read_statement).scalar()
        state.stamps_read += 1
        if stamp is not None:
            generation = state.generation
            if generation is None or generation.stamp != stamp:
                generation = state.generation = Generation(stamp)
    environ[_REQUEST_KEY] = generation
    return generation


def forget_all(app: Flask) -> None:
    """Drop ``app``'s generation, as a restart would (the next request fills a new one)."""
    state = app.extensions.get(EXTENSION_KEY)
    if state is not None:
        state.generation = None


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
    _leave_request_cache()


# --- the session events ----------------------------------------------------------------


def _watched() -> tuple[type, ...]:
    if not has_app_context():
        return ()
    state = current_app.extensions.get(EXTENSION_KEY)
    return state.watched if state is not None else ()


def _note_change(session: Session, flush_context) -> None:
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
        return
    watched = _watched()
    # The ORM's statements name an annotated copy of the table: compare by name.
    name = getattr(getattr(state.statement, "table", None), "name", None)
    if name is not None and any(name == model.__table__.name for model in watched):
        state.session.info[_PENDING] = True
        _leave_request_cache()


def _leave_request_cache() -> None:
    # From here on this request reads the database (its own changes included), not the cache.
    if has_request_context():
        request.environ[_REQUEST_KEY] = None


def _renew_stamp_if_changed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint's release: the outer transaction decides
        return
    if not session.info.get(_PENDING):
        watched = _watched()
        if not (watched and _writes(session, watched)):
            return
    session.flush()  # what commit would flush next: the stamp comes after every row lock
    if not session.info.pop(_PENDING, False):
        return
    table = CacheStamp.__table__
    connection = session.connection()
    stamp = new_stamp()
    written = connection.execute(update(table).where(table.c.id == STAMP_ID).values(value=stamp))
    if written.rowcount == 0:
        connection.execute(insert(table).values(id=STAMP_ID, value=stamp))


def _forget_change(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def _first_stamp(table, connection, **kwargs) -> None:
    """A new database (``create_all``) starts with a random stamp, as the migration's does."""
    connection.execute(insert(table).values(id=STAMP_ID, value=new_stamp()))
