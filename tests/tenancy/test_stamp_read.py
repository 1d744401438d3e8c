"""The per-request read of the cache stamps (``tenancy.cache.current``) on a pooled connection
of its own, with the driver alone, while the request's session has not begun: a request
served wholly from kept values takes no connection into its session and runs no statement
through SQLAlchemy; a change committed by another worker is still seen by the next request;
a request whose session already began reads the stamps in its own transaction; on
PostgreSQL the read costs one round trip (no BEGIN, no ROLLBACK) and gives the connection
back outside a transaction, autocommit off; a failed read throws its connection away."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import g
from sqlalchemy import event, select, update
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
def app_config(app_config, tmp_path):
    """The production pool (``config.py``'s engine options), not the suite's NullPool: what
    goes back into the pool is what the next request gets."""
    return {
        **app_config,
        "SQLALCHEMY_ENGINE_OPTIONS": build_config(tmp_path, {}, {})["SQLALCHEMY_ENGINE_OPTIONS"],
    }


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
    seen = {"statements": [], "session_connections": 0, "checked_in": [], "invalidated": 0}
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

    engine = db.engine
    listeners = [
        (engine, "before_cursor_execute", statement),
        (Session, "after_begin", session_connection),
        (engine, "checkin", checkin),
        (engine, "invalidate", invalidate),
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


def test_a_warm_kept_request_takes_no_session_connection_and_reads_the_stamps_once(
    app, client, companies, probe
):
    assert isinstance(db.engine.pool, QueuePool)
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
        assert seen["invalidated"] == 0
    assert probe["n"] == 2  # built once per tenant


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


@pytest.mark.postgresql_only
def test_the_raw_read_is_one_round_trip_without_begin_or_rollback(app, client, companies, probe):
    from tests.support.round_trips import count_round_trips

    for slug in ("kring-a", "kring-b", "kring-a"):
        assert client.get(f"/{slug}/stamp-probe").status_code == 200
    for slug, theirs in (("kring-a", "Bravo BV"), ("kring-b", "Alpha BV")):
        with count_round_trips(db.engine) as counted:
            response = client.get(f"/{slug}/stamp-probe")
        assert theirs not in response.json["companies"]
        assert counted.statements == 0
        assert counted.log == ["SELECT cache_stamps.id, cache_stamps.value FROM cache_stamps"], counted.log


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
            assert isinstance(cache._raw_read(app.extensions[cache.EXTENSION_KEY]), cache.RawRead)
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
