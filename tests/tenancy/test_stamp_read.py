"""The per-request read of the cache stamps (``tenancy.cache.current``) with the driver
alone, while the request's session has not begun: a request served wholly from kept values
takes no connection into its session and runs no statement through SQLAlchemy; a change
committed by another worker is still seen by the next request; a request whose session
already began reads the stamps in its own transaction.

With the production pool (``QueuePool``) each process reads on a connection of its own,
never checked out of the pool: on PostgreSQL in autocommit and prepared, one round trip
per request; it survives requests that rolled back, is replaced when the server closed it
or a read on it failed, is never touched by a forked process, and closes with the engine.
With the suite's ``NullPool`` (and while another thread of the process reads on its own
connection) the read runs on a pooled connection checked out for it: one round trip,
given back outside a transaction, autocommit off; a failed read throws it away."""

from __future__ import annotations

import gc
import json
import os
import sqlite3
from contextlib import contextmanager

import pytest
from flask import g
from sqlalchemy import create_engine, event, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool, QueuePool, StaticPool

from kringwerk import create_app
from kringwerk.config import build_config
from kringwerk.extensions import db
from kringwerk.members.models import Company
from kringwerk.tenancy import cache
from kringwerk.tenancy.cache import STAMP_ID, CacheStamp
from kringwerk.tenancy.context import tenant_scope
from tests.conftest import IsolatedClient, base_config
from tests.support.workers import in_another_worker

pytestmark = pytest.mark.both_databases


@pytest.fixture
def app_config(app_config, tmp_path, request):
    """The production pool (``config.py``'s engine options), not the suite's NullPool: what
    goes back into the pool is what the next request gets. ``NULL_POOL`` keeps the suite's."""
    if getattr(request, "param", None) == "null":
        return app_config
    return {
        **app_config,
        "SQLALCHEMY_ENGINE_OPTIONS": build_config(tmp_path, {}, {})["SQLALCHEMY_ENGINE_OPTIONS"],
    }


# The suite's NullPool: the stamps read on a connection checked out for it.
NULL_POOL = pytest.mark.parametrize("app_config", ["null"], indirect=True)
STAMP_READ = "SELECT cache_stamps.id, cache_stamps.value FROM cache_stamps"


def own(app) -> cache.OwnConnection | None:
    """The process's own connection for the stamp read of ``app``."""
    return app.extensions[cache.EXTENSION_KEY].raw_read.own


def warm(client) -> None:
    """Both tenants' probe pages built and kept, and the stamp read's connection made."""
    for slug, mine in (("kring-a", "Alpha BV"), ("kring-b", "Bravo BV")):
        assert client.get(f"/{slug}/stamp-probe").json["companies"] == [mine]


def is_closed(driver) -> bool:
    if hasattr(driver, "pgconn"):
        return driver.closed
    try:
        driver.execute("SELECT 1")
    except sqlite3.ProgrammingError:  # Cannot operate on a closed database.
        return True
    return False


@pytest.fixture
def companies(world) -> tuple[int, int]:
    """A company in each tenant; tenant A's and B's ids."""
    for side, name in ((world.a, "Alpha BV"), (world.b, "Bravo BV")):
        with tenant_scope(side.tenant):
            db.session.add(Company(name=name))
            db.session.flush()
    db.session.commit()
    ids = world.a.tenant.id, world.b.tenant.id
    db.session.remove()  # the test's own session holds no pooled connection
    return ids


@pytest.fixture
def probe(app):
    """A tenant page made of kept values only: the tenant (kept by slug) and its companies'
    names (kept until the next write)."""
    built = {"n": 0}

    def names():
        built["n"] += 1
        return sorted(db.session.scalars(select(Company.name)))

    @app.get("/<tenant>/stamp-probe")
    def stamp_probe():
        return {"tenant": g.tenant.slug, "companies": cache.remember("company names", names)}

    @app.get("/own-view-probe")
    def own_view_probe():
        """Changes the stamp in this request's transaction, then asks for the generation."""
        db.session.execute(update(CacheStamp).where(CacheStamp.id == STAMP_ID).values(value="uncommitted"))
        generation = cache.current()
        db.session.rollback()
        return {"stamp": generation.stamp}

    return built


@contextmanager
def watch(app):
    """What a request did: SQLAlchemy's statements, connections its session took, stamp reads,
    and the state of each connection given back to the pool (autocommit, in a transaction)."""
    seen = {"statements": [], "session_connections": 0, "checked_in": [], "invalidated": 0, "checkouts": 0}
    state = app.extensions[cache.EXTENSION_KEY]
    reads = state.stamps_read

    def statement(conn, cursor, text, *_):
        seen["statements"].append(text)

    def session_connection(session, transaction, connection):
        seen["session_connections"] += 1

    def checkin(dbapi_connection, record):
        if dbapi_connection is None:  # an invalidated connection's record
            return
        status = getattr(getattr(dbapi_connection, "info", None), "transaction_status", None)
        seen["checked_in"].append((getattr(dbapi_connection, "autocommit", None), status))

    def invalidate(dbapi_connection, record, exception):
        seen["invalidated"] += 1

    def checkout(dbapi_connection, record, proxy):
        seen["checkouts"] += 1

    engine = db.engine
    listeners = [
        (engine, "before_cursor_execute", statement),
        (Session, "after_begin", session_connection),
        (engine, "checkin", checkin),
        (engine, "invalidate", invalidate),
        (engine, "checkout", checkout),
    ]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield seen
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)
        seen["stamps_read"] = state.stamps_read - reads


def outside_a_transaction(app) -> tuple:
    """What a connection given back to the pool looks like after the raw read."""
    if db.engine.dialect.name == "postgresql":
        from psycopg import pq

        return (False, pq.TransactionStatus.IDLE)
    return (None, None)


def test_a_warm_kept_request_reads_the_stamps_once_on_the_process_s_own_connection(
    app, client, companies, probe
):
    assert type(db.engine.pool) is QueuePool
    kept = None
    for slug, mine, theirs in (("kring-a", "Alpha BV", "Bravo BV"), ("kring-b", "Bravo BV", "Alpha BV")):
        first = client.get(f"/{slug}/stamp-probe").json
        assert first == {"tenant": slug, "companies": [mine]}
        kept = kept or own(app)
        with watch(app) as seen:
            again = client.get(f"/{slug}/stamp-probe").json
        assert again == first
        assert theirs not in again["companies"]
        assert seen["statements"] == []  # nothing through SQLAlchemy
        assert seen["session_connections"] == 0
        assert seen["stamps_read"] == 1
        # No connection from the pool at all: the same own connection, outside a transaction.
        assert seen["checkouts"] == 0 and seen["checked_in"] == []
        assert own(app) is kept and kept.pid == os.getpid()
        if kept.poller is not None:
            from psycopg import pq

            assert kept.driver.autocommit
            assert kept.driver.info.transaction_status == pq.TransactionStatus.IDLE
        else:
            assert not kept.driver.in_transaction
    assert probe["n"] == 2  # built once per tenant


@NULL_POOL
def test_with_the_suite_pool_a_warm_kept_request_reads_the_stamps_on_a_pooled_connection(
    app, client, companies, probe
):
    assert isinstance(db.engine.pool, NullPool)
    for slug, mine, theirs in (("kring-a", "Alpha BV", "Bravo BV"), ("kring-b", "Bravo BV", "Alpha BV")):
        first = client.get(f"/{slug}/stamp-probe").json
        assert first == {"tenant": slug, "companies": [mine]}
        with watch(app) as seen:
            again = client.get(f"/{slug}/stamp-probe").json
        assert again == first
        assert theirs not in again["companies"]
        assert seen["statements"] == []  # nothing through SQLAlchemy
        assert seen["session_connections"] == 0
        assert seen["stamps_read"] == 1
        # The raw read's connection, given back outside a transaction, autocommit off.
        assert seen["checked_in"] == [outside_a_transaction(app)]
        assert seen["checkouts"] == 1 and seen["invalidated"] == 0
    assert probe["n"] == 2  # built once per tenant
    assert own(app) is None  # the suite holds no connection per app


@pytest.mark.parametrize("app_config", ["queue", "null"], indirect=True)
def test_a_write_in_another_worker_is_seen_by_the_next_request(app, app_config, client, companies, probe):
    assert client.get("/kring-a/stamp-probe").json["companies"] == ["Alpha BV"]
    assert client.get("/kring-b/stamp-probe").json["companies"] == ["Bravo BV"]
    built = probe["n"]

    def add_company():
        db.session.add(Company(name="Anders BV"))

    in_another_worker(app_config, add_company, tenant=companies[0])
    with watch(app) as seen:
        assert client.get("/kring-a/stamp-probe").json["companies"] == ["Alpha BV", "Anders BV"]
    assert seen["stamps_read"] == 1
    assert probe["n"] == built + 1  # the new data stamp: built anew
    assert client.get("/kring-b/stamp-probe").json["companies"] == ["Bravo BV"]
    with watch(app) as seen:
        assert client.get("/kring-a/stamp-probe").json["companies"] == ["Alpha BV", "Anders BV"]
    assert seen["statements"] == [] and seen["stamps_read"] == 1
    assert seen["checkouts"] == (0 if own(app) else 1)


def test_a_request_whose_session_began_reads_the_stamps_in_its_own_transaction(app, client, companies, probe):
    committed = db.session.scalar(select(CacheStamp.value).where(CacheStamp.id == STAMP_ID))
    db.session.remove()
    with watch(app) as seen:
        response = client.get("/own-view-probe")
    # The session's uncommitted stamp, not the committed one another connection would read.
    assert response.json == {"stamp": "uncommitted"}
    assert seen["stamps_read"] == 1
    assert (
        sum("cache_stamps" in text and text.lstrip().startswith("SELECT") for text in seen["statements"]) == 1
    )
    assert seen["session_connections"] == 1
    assert db.session.scalar(select(CacheStamp.value).where(CacheStamp.id == STAMP_ID)) == committed
    db.session.remove()
    # The next request reads the committed stamp again, and each tenant sees its own.
    assert client.get("/kring-a/stamp-probe").json["companies"] == ["Alpha BV"]
    assert client.get("/kring-b/stamp-probe").json["companies"] == ["Bravo BV"]
    assert app.extensions[cache.EXTENSION_KEY].generation.stamp == committed


@NULL_POOL
@pytest.mark.postgresql_only
def test_the_pooled_raw_read_is_one_round_trip_without_begin_or_rollback(app, client, companies, probe):
    from tests.support.round_trips import count_round_trips

    for slug in ("kring-a", "kring-b", "kring-a"):
        assert client.get(f"/{slug}/stamp-probe").status_code == 200
    for slug, theirs in (("kring-a", "Bravo BV"), ("kring-b", "Alpha BV")):
        with count_round_trips(db.engine) as counted:
            response = client.get(f"/{slug}/stamp-probe")
        assert theirs not in response.json["companies"]
        assert counted.statements == 0
        assert counted.log == [STAMP_READ], counted.log  # not prepared: nothing to Parse or forget


@pytest.fixture
def sabotage(app):
    """``sabotage(how)``: the next raw read fails: ``"sql"`` (a column that does not exist) or
    ``"closed"`` (its connection closed between check-out and the statement)."""
    state = app.extensions[cache.EXTENSION_KEY]
    undo = []

    def apply(how: str):
        if how == "sql":
            plan = state.raw_read
            broken = cache.RawRead(
                plan.engine, plan.sql.replace("cache_stamps.value", "cache_stamps.no_such")
            )
            state.raw_read = broken
            undo.append(lambda: setattr(state, "raw_read", plan))
        else:
            closing = {"left": 1}

            def close_once(dbapi_connection, record, proxy):
                if closing["left"]:
                    closing["left"] -= 1
                    dbapi_connection.close()

            event.listen(db.engine, "checkout", close_once)
            undo.append(lambda: event.remove(db.engine, "checkout", close_once))

    yield apply
    for step in undo:
        step()


@NULL_POOL
@pytest.mark.parametrize("how", ["sql", "closed"])
def test_a_failed_raw_read_leaves_no_broken_connection_in_the_pool(
    app, client, companies, probe, sabotage, how
):
    assert client.get("/kring-a/stamp-probe").status_code == 200
    assert app.extensions[cache.EXTENSION_KEY].raw_read  # decided: the raw read
    app.config["PROPAGATE_EXCEPTIONS"] = True  # the error itself, not the error page
    sabotage(how)
    with watch(app) as seen, pytest.raises(DBAPIError) as failure:
        client.get("/kring-a/stamp-probe")
    assert failure.value.connection_invalidated
    assert seen["invalidated"] == 1
    assert seen["checked_in"] == []  # nothing went back but the invalidated record
    if how == "sql":
        app.extensions[cache.EXTENSION_KEY].raw_read = None  # decided anew: the right statement
    # The pool hands out working connections, each request reads the stamps raw again.
    for slug, mine in (("kring-a", "Alpha BV"), ("kring-b", "Bravo BV"), ("kring-a", "Alpha BV")):
        with watch(app) as seen:
            response = client.get(f"/{slug}/stamp-probe")
        assert response.json["companies"] == [mine]
        assert seen["stamps_read"] == 1
        assert seen["checked_in"] and all(entry == outside_a_transaction(app) for entry in seen["checked_in"])
        assert seen["invalidated"] == 0


@pytest.mark.parametrize("pool", [QueuePool, NullPool])
def test_pools_handing_out_own_connections_read_raw(app_config, pool):
    options = {"poolclass": pool}
    app = create_app({**app_config, "SQLALCHEMY_ENGINE_OPTIONS": options}, environ={})
    with app.app_context():
        try:
            plan = cache._raw_read(app.extensions[cache.EXTENSION_KEY])
            assert isinstance(plan, cache.RawRead)
            assert plan.keeps_own is (pool is QueuePool)  # the suite's NullPool keeps none
        finally:
            db.engine.dispose()


def test_a_pool_sharing_one_connection_reads_in_the_session(tmp_path):
    """In-memory SQLite (deploy/test_gunicorn.py) shares one connection (``StaticPool``):
    giving it back from a raw read would roll back whatever another session does on it."""
    from kringwerk.tenants.services import create_tenant

    app = create_app(base_config(tmp_path, "sqlite://"), environ={})
    app.test_client_class = IsolatedClient
    with app.app_context():
        assert isinstance(db.engine.pool, StaticPool)
        db.create_all()
        for slug in ("kring-a", "kring-b"):
            create_tenant(slug, slug.title(), "association", default_locale="en")
        db.session.commit()
        db.session.remove()
        client = app.test_client()
        for slug in ("kring-a", "kring-b", "kring-a"):
            assert client.get(f"/{slug}/").status_code in (200, 302)
        with watch(app) as seen:
            assert client.get("/kring-b/").status_code in (200, 302)
        assert app.extensions[cache.EXTENSION_KEY].raw_read is False
        assert seen["stamps_read"] == 1
        assert sum("FROM cache_stamps" in text for text in seen["statements"]) == 1
        db.session.remove()
        db.engine.dispose()


# --- the process's own connection (QueuePool) ---------------------------------------------


@pytest.mark.postgresql_only
def test_the_own_read_is_prepared_once_then_one_round_trip_per_request(app, client, companies, probe):
    from tests.support.round_trips import count_round_trips

    with count_round_trips(db.engine) as first:
        assert client.get("/kring-a/stamp-probe").json["companies"] == ["Alpha BV"]
    assert first.log[:2] == ["PREPARE " + STAMP_READ, STAMP_READ], first.log  # once, on opening
    for slug, mine, theirs in (("kring-b", "Bravo BV", "Alpha BV"), ("kring-a", "Alpha BV", "Bravo BV")) * 2:
        assert client.get(f"/{slug}/stamp-probe").status_code == 200  # kept
        with count_round_trips(db.engine) as counted:
            response = client.get(f"/{slug}/stamp-probe")
        assert response.json["companies"] == [mine] and theirs not in response.json["companies"]
        assert counted.statements == 0
        assert counted.log == [STAMP_READ], counted.log  # no Parse, no BEGIN, no ROLLBACK


def test_the_own_connection_survives_requests_that_rolled_back(app, client, companies, probe):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/<tenant>/failing-probe")
    def failing_probe():
        db.session.add(Company(name="Never BV"))
        db.session.flush()
        raise RuntimeError("the request fails after a write: its transaction rolls back")

    assert client.get("/kring-a/stamp-probe").json["companies"] == ["Alpha BV"]
    kept = own(app)
    assert client.get("/own-view-probe").status_code == 200  # rolled back in the view
    assert client.get("/kring-a/failing-probe").status_code == 500  # rolled back at teardown
    db.session.remove()
    for slug, mine in (("kring-a", "Alpha BV"), ("kring-b", "Bravo BV")):
        # The own-view probe left a generation under its uncommitted stamp: the tenant is
        # read again once (through the session), then kept.
        assert client.get(f"/{slug}/stamp-probe").json["companies"] == [mine]
        with watch(app) as seen:
            response = client.get(f"/{slug}/stamp-probe")
        assert response.json["companies"] == [mine]
        assert seen["checkouts"] == 0 and seen["stamps_read"] == 1
        assert own(app) is kept
    if db.engine.dialect.name == "postgresql":
        from tests.support.round_trips import count_round_trips

        with count_round_trips(db.engine) as counted:
            client.get("/kring-b/stamp-probe")
        assert counted.log == [STAMP_READ], counted.log  # still prepared: no DEALLOCATE, no Parse


@pytest.mark.postgresql_only
def test_an_own_connection_the_server_closed_is_replaced_without_failing_the_request(
    app, client, companies, probe, postgres_server
):
    warm(client)
    old = own(app)
    backend = old.driver.info.backend_pid
    admin = create_engine(postgres_server.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            assert connection.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": backend})
    finally:
        admin.dispose()
    with watch(app) as seen:
        response = client.get("/kring-b/stamp-probe")
    assert response.status_code == 200 and response.json["companies"] == ["Bravo BV"]
    assert own(app) is not old and old.driver.closed
    assert own(app).driver.info.backend_pid != backend
    assert seen["checkouts"] == 1  # the new one, made by the pool and taken out of it
    assert client.get("/kring-a/stamp-probe").json["companies"] == ["Alpha BV"]


def test_a_failed_own_read_closes_its_connection_and_the_next_request_opens_another(
    app, client, companies, probe
):
    warm(client)
    plan = app.extensions[cache.EXTENSION_KEY].raw_read
    old = own(app)
    app.config["PROPAGATE_EXCEPTIONS"] = True  # the error itself, not the error page
    right = plan.sql
    plan.sql = right.replace("cache_stamps.value", "cache_stamps.no_such")
    try:
        with pytest.raises(DBAPIError) as failure:
            client.get("/kring-a/stamp-probe")
    finally:
        plan.sql = right
    assert failure.value.connection_invalidated
    assert own(app) is None and is_closed(old.driver)
    for slug, mine in (("kring-b", "Bravo BV"), ("kring-a", "Alpha BV")):
        assert client.get(f"/{slug}/stamp-probe").json["companies"] == [mine]
    assert own(app) is not None and own(app) is not old


def test_a_process_keeps_its_own_connection_per_process_and_never_touches_another_s(
    app, client, companies, probe
):
    """The remembered pid differs (as in a gunicorn worker forked from the master): a new
    connection is made, the other process's is kept referenced and neither used nor closed."""
    warm(client)
    old = own(app)
    old.pid = -1  # made in "another" process
    try:
        with watch(app) as seen:
            assert client.get("/kring-b/stamp-probe").json["companies"] == ["Bravo BV"]
        assert own(app) is not old and own(app).pid == os.getpid()
        assert seen["checkouts"] == 1
        assert old in cache._INHERITED and not is_closed(old.driver)
        db.engine.dispose()  # closes this process's own connection, leaves the other alone
        assert not is_closed(old.driver)
    finally:
        cache._INHERITED.remove(old)
        old.pid = os.getpid()
        old.driver.close()


def test_a_forked_process_opens_its_own_connection_and_the_parent_s_keeps_working(
    app, client, companies, probe
):
    warm(client)
    parent = own(app)
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child: as a gunicorn worker after post_fork
        code = 1
        try:
            os.close(reading)
            db.engine.dispose(close=False)  # deploy/gunicorn.conf.py's post_fork
            companies_b = client.get("/kring-b/stamp-probe").json["companies"]
            report = {
                "companies": companies_b,
                "new": own(app) is not None and own(app) is not parent,
                "inherited": parent in cache._INHERITED,
                "parent_open": not parent.driver.closed if parent.poller else True,
            }
            gc.collect()
            db.engine.dispose()  # closes the child's own connection only
            os.write(writing, json.dumps(report).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(writing)
    with os.fdopen(reading) as pipe:
        report = json.loads(pipe.read() or "{}")
    assert os.waitpid(child, 0)[1] == 0
    assert report == {"companies": ["Bravo BV"], "new": True, "inherited": True, "parent_open": True}
    # The parent's connection is untouched: the next request reads on it, no replacement.
    for slug, mine in (("kring-a", "Alpha BV"), ("kring-b", "Bravo BV")):
        with watch(app) as seen:
            assert client.get(f"/{slug}/stamp-probe").json["companies"] == [mine]
        assert own(app) is parent and seen["checkouts"] == 0


def test_disposing_the_engine_closes_the_own_connection(app, client, companies, probe):
    warm(client)
    old = own(app)
    db.engine.dispose()
    assert own(app) is None and is_closed(old.driver)
    assert client.get("/kring-b/stamp-probe").json["companies"] == ["Bravo BV"]
    assert own(app) is not None and own(app) is not old


def test_an_app_that_goes_away_closes_its_own_connection(app_config, companies):
    other = create_app(app_config, environ={})
    other.test_client_class = IsolatedClient
    assert other.test_client().get("/kring-a/").status_code in (200, 302)
    driver = other.extensions[cache.EXTENSION_KEY].raw_read.own.driver
    del other
    gc.collect()
    assert is_closed(driver)


def test_while_another_thread_reads_on_the_own_connection_a_request_uses_the_pool(
    app, client, companies, probe
):
    """gthread workers (``GUNICORN_THREADS``): one thread at a time on the own connection;
    another thread reading meanwhile never waits for it but checks one out of the pool."""
    warm(client)
    kept = own(app)
    plan = app.extensions[cache.EXTENSION_KEY].raw_read
    with plan.lock:  # held by the other thread
        with watch(app) as seen:
            assert client.get("/kring-b/stamp-probe").json["companies"] == ["Bravo BV"]
        assert seen["checkouts"] == 1 and seen["checked_in"] == [outside_a_transaction(app)]
        assert seen["stamps_read"] == 1
    with watch(app) as seen:
        assert client.get("/kring-a/stamp-probe").json["companies"] == ["Alpha BV"]
    assert seen["checkouts"] == 0 and own(app) is kept
