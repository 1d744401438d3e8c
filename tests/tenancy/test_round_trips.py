"""Round trips to PostgreSQL per transaction and per request (issue 15).

The row-level-security scope goes out with the transaction's ``BEGIN`` in one
round trip (``tenancy/rls.py``), a later change of scope is told before the next
statement, and a pooled connection is checked out without a ping: one the server
has closed is found without asking it (``extensions.drop_closed_connection``).
Row-level security holds throughout; tenant B's rows stay out of tenant A's reach.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import NullPool

from kringwerk.config import build_config
from kringwerk.extensions import db
from kringwerk.members.models import Circle, Company
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope, unscoped
from tests.plugins.polls.conftest import make_poll
from tests.support.round_trips import count_round_trips

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def app_config(app_config, tmp_path):
    """The production pool (``config.py``'s engine options), not the suite's NullPool."""
    return {
        **app_config,
        "SQLALCHEMY_ENGINE_OPTIONS": build_config(tmp_path, {}, {})["SQLALCHEMY_ENGINE_OPTIONS"],
    }


@pytest.fixture
def companies(world):
    for side, name in ((world.a, "Alpha BV"), (world.b, "Bravo BV")):
        with tenant_scope(side.tenant):
            db.session.add(Company(name=name))
            db.session.flush()
    db.session.commit()
    return world


def fresh_transaction(world) -> tuple[int, int]:
    """Tenant A's and B's ids, with no transaction open (the next statement begins one).

    A rollback also makes psycopg forget the statements it prepared (run five times
    in a transaction, as the fixtures' inserts are) with a DEALLOCATE ALL: done here,
    before the test counts."""
    ids = world.a.tenant.id, world.b.tenant.id
    db.session.rollback()
    with tenant_scope(ids[0]):
        db.session.execute(text("SELECT 1 FROM companies LIMIT 1")).all()
    db.session.rollback()
    return ids


def raw_names() -> list[str]:
    return sorted(db.session.execute(text("SELECT name FROM companies")).scalars())


def transaction_id() -> int:
    return db.session.execute(text("SELECT txid_current()")).scalar()


def test_production_pools_do_not_ping_at_check_out(tmp_path):
    options = build_config(tmp_path, {}, {})["SQLALCHEMY_ENGINE_OPTIONS"]
    assert not options.get("pool_pre_ping")
    assert 0 < options["pool_recycle"] <= 3600


def test_a_transaction_tells_its_scope_with_its_begin(companies):
    a, _b = fresh_transaction(companies)
    with tenant_scope(a), count_round_trips(db.engine) as counted:
        names = raw_names()
        db.session.rollback()
    assert names == ["Alpha BV"]
    # BEGIN with the scope, the statement, ROLLBACK: no ping, no separate set_config.
    assert counted.statements == 1
    assert counted.round_trips == 3, counted.log
    assert counted.log[0].startswith("BEGIN; set_config"), counted.log


def test_a_read_of_tables_without_tenant_rows_waits_for_the_transaction_no_round_trip(companies):
    """The cache stamp, the user: read before the transaction; the BEGIN then carries
    the scope of the first statement that needs one."""
    a, _b = fresh_transaction(companies)
    with count_round_trips(db.engine) as counted:
        emails = db.session.execute(text("SELECT email FROM users WHERE is_operator")).scalars().all()
        with tenant_scope(a):
            names = raw_names()
        db.session.rollback()
    assert emails == ["operator@kringwerk.example.com"]
    assert names == ["Alpha BV"]
    assert counted.statements == 2
    assert counted.log[1] == f"BEGIN; set_config ('{a}', 'off')", counted.log
    assert counted.round_trips == 4, counted.log  # the read, BEGIN with A, the read of A, ROLLBACK


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT id FROM users WHERE is_operator FOR UPDATE",  # a row lock lives in a transaction
        "SELECT count(*) FROM users",  # a function: it might write or read anything
        "SELECT users.id FROM users JOIN memberships ON memberships.user_id = users.id",  # tenant rows
    ],
)
def test_anything_but_a_plain_read_without_tenant_rows_begins_the_transaction(companies, statement):
    a, _b = fresh_transaction(companies)
    with tenant_scope(a), count_round_trips(db.engine) as counted:
        db.session.execute(text(statement)).all()
        in_transaction = db.session.connection().connection.dbapi_connection.info.transaction_status
        db.session.rollback()
    assert counted.log[0] == f"BEGIN; set_config ('{a}', 'off')", counted.log
    assert in_transaction != 0  # psycopg's IDLE


def test_writes_after_a_read_outside_the_transaction_stay_one_transaction(companies):
    a, _b = fresh_transaction(companies)
    db.session.execute(text("SELECT email FROM users WHERE is_operator")).all()
    with tenant_scope(a):
        db.session.add(Company(name="Nieuw BV"))
        db.session.flush()
        db.session.execute(text("UPDATE users SET name = 'Changed' WHERE is_operator"))
        assert raw_names() == ["Alpha BV", "Nieuw BV"]
    db.session.rollback()
    with tenant_scope(a):
        assert raw_names() == ["Alpha BV"]
    assert db.session.execute(text("SELECT name FROM users WHERE is_operator")).scalar() == "Operator"


def test_a_failed_read_outside_the_transaction_leaves_the_connection_transactional(companies):
    a, _b = fresh_transaction(companies)
    with pytest.raises(DBAPIError, match="no_such_column"):
        db.session.execute(text("SELECT no_such_column FROM users")).all()
    db.session.rollback()
    with tenant_scope(a):
        db.session.add(Company(name="Nieuw BV"))
        db.session.flush()
        assert not db.session.connection().connection.dbapi_connection.autocommit
    db.session.rollback()
    with tenant_scope(a):
        assert raw_names() == ["Alpha BV"]


def test_another_isolation_level_begins_as_psycopg_does_and_still_tells_the_scope(companies):
    """An export reads in one REPEATABLE READ snapshot (tenants/archive.py): psycopg's
    own BEGIN, then the scope; afterwards the pooled connection, set back to READ
    COMMITTED by SQLAlchemy, sends the scope with its BEGIN again."""
    a, b = fresh_transaction(companies)
    with count_round_trips(db.engine) as counted:
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        with tenant_scope(a):
            assert raw_names() == ["Alpha BV"]
            level = db.session.execute(text("SHOW transaction_isolation")).scalar()
        db.session.commit()
    assert level == "repeatable read"
    assert counted.log[0] == "BEGIN ISOLATION LEVEL REPEATABLE READ", counted.log
    assert "set_config" in counted.log[1]
    with count_round_trips(db.engine) as counted:
        with tenant_scope(b):
            assert raw_names() == ["Bravo BV"]
            level = db.session.execute(text("SHOW transaction_isolation")).scalar()
        db.session.rollback()
    assert level == "read committed"
    assert counted.log[0] == f"BEGIN; set_config ('{b}', 'off')", counted.log


def test_a_scope_change_inside_the_transaction_is_told_before_the_next_statement(companies):
    a, b = fresh_transaction(companies)
    with count_round_trips(db.engine) as counted:
        with tenant_scope(a):
            first = transaction_id()
            assert raw_names() == ["Alpha BV"]
        with tenant_scope(b):
            assert raw_names() == ["Bravo BV"]
        with unscoped("test: both tenants' companies"):
            assert raw_names() == ["Alpha BV", "Bravo BV"]
        with tenant_scope(a):
            assert raw_names() == ["Alpha BV"]
            assert transaction_id() == first  # all in one transaction
        assert raw_names() == []
        db.session.rollback()
    # 7 statements, one BEGIN with the first scope, four changes of scope, ROLLBACK.
    assert counted.statements == 7
    assert counted.extra == 6, counted.log


def test_the_next_transaction_starts_without_the_last_ones_scope(companies):
    with tenant_scope(companies.a.tenant):
        assert raw_names() == ["Alpha BV"]
        db.session.commit()
    # The same pooled connection, a new transaction begun outside any scope.
    assert raw_names() == []
    with tenant_scope(companies.b.tenant):
        db.session.commit()
        assert raw_names() == ["Bravo BV"]


def test_a_savepoint_as_the_first_statement_still_runs_in_scope(companies):
    a, _b = fresh_transaction(companies)
    with tenant_scope(a):
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(Circle(name="Noord"))
            db.session.add(Circle(name="Noord"))  # the name is unique per tenant
            db.session.flush()
        assert raw_names() == ["Alpha BV"]
    db.session.rollback()


def test_a_rolled_back_savepoint_is_told_the_scope_again(companies):
    """B's scope told inside a savepoint is undone by rolling it back; still in B's
    scope, the next statement must tell it again rather than trust what was sent."""
    a, b = fresh_transaction(companies)
    with tenant_scope(a):
        assert raw_names() == ["Alpha BV"]
    with tenant_scope(b):
        with pytest.raises(RuntimeError), db.session.begin_nested():
            assert raw_names() == ["Bravo BV"]
            raise RuntimeError("roll the savepoint back")
        assert raw_names() == ["Bravo BV"]
    db.session.rollback()


def test_raw_sql_across_tenants_is_refused_with_the_scope_sent_at_begin(companies):
    a, b = fresh_transaction(companies)
    with tenant_scope(a), pytest.raises(DBAPIError, match="row-level security"):
        db.session.execute(text("INSERT INTO companies (tenant_id, name) VALUES (:t, 'Sneaky BV')"), {"t": b})
    db.session.rollback()
    with tenant_scope(a):
        assert db.session.execute(text("UPDATE companies SET sector = 'Zorg'")).rowcount == 1
        db.session.commit()
    with unscoped("test: both sectors"):
        assert dict(db.session.execute(text("SELECT name, sector FROM companies")).all()) == {
            "Alpha BV": "Zorg",
            "Bravo BV": None,
        }


# --- per request --------------------------------------------------------------------------


@pytest.fixture
def polls_in_both(world):
    for side in (world.a, world.b):
        enable_plugin(side.tenant, "polls")
    db.session.commit()
    make_poll(world.a.tenant, title="Poll of tenant A")
    make_poll(world.b.tenant, title="Poll of tenant B")
    return world


# A tenant page: BEGIN with the tenant's scope, and ROLLBACK. Before issue 15 there
# were five: a pre-ping, BEGIN, two set_config (no scope, then the tenant's), ROLLBACK.
EXTRA_PER_PAGE = 2
# The cache stamps, read first with the driver alone (tenancy/cache.py): one round trip
# that is no SQLAlchemy statement, outside any transaction.
STAMP_READ = "SELECT cache_stamps.id, cache_stamps.value FROM cache_stamps"


@pytest.mark.parametrize("path", ["/kring-a/", "/kring-a/polls/"])
def test_a_tenant_page_costs_two_round_trips_beyond_its_statements(
    app, client, login_as, polls_in_both, path
):
    app.config["KEEP_PAGE_DATA"] = False  # the page as built (kept: the next test)
    login_as(polls_in_both.a.admin)
    assert client.get(path).status_code == 200  # the pool holds a used connection now
    with count_round_trips(db.engine) as counted:
        response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    if path.endswith("/polls/"):
        assert "Poll of tenant A" in page
    assert "Poll of tenant B" not in page
    assert counted.statements > 0
    assert counted.log[0] == STAMP_READ, counted.log
    assert counted.extra - 1 <= EXTRA_PER_PAGE, counted.log  # beyond the statements and the stamps
    assert not any(entry.strip() == ";" for entry in counted.log), "a pre-ping came back"


@pytest.mark.parametrize("path", ["/kring-a/", "/kring-a/polls/"])
def test_a_kept_tenant_page_costs_one_round_trip(app, client, login_as, polls_in_both, path):
    login_as(polls_in_both.a.admin)
    assert client.get(path).status_code == 200  # built and kept
    with count_round_trips(db.engine) as counted:
        response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    if path.endswith("/polls/"):
        assert "Poll of tenant A" in page
    assert "Poll of tenant B" not in page
    assert counted.statements == 0
    assert counted.log == [STAMP_READ]  # no BEGIN, no ROLLBACK, no ping


# --- a dropped connection -----------------------------------------------------------------


def _as_admin(postgres_server, statement: str, database: str) -> list:
    admin = create_engine(postgres_server.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            return connection.execute(text(statement), {"name": database}).scalars().all()
    finally:
        admin.dispose()


def _server_processes(postgres_server, database: str) -> set[int]:
    """The server processes of the app's connections to ``database``."""
    return set(
        _as_admin(
            postgres_server,
            "SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()",
            database,
        )
    )


def _terminate_app_connections(postgres_server, database: str) -> int:
    """End every server process of ``database`` (as pg_terminate_backend does on a
    restart or an idle timeout), waiting until each is gone."""
    ended = _as_admin(
        postgres_server,
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
        "WHERE datname = :name AND pid <> pg_backend_pid()",
        database,
    )
    assert all(ended)
    return len(ended)


def test_a_pooled_connection_the_server_ended_is_replaced_before_a_request_uses_it(
    app, client, login_as, world, postgres_server
):
    login_as(world.a.admin)
    b_admin = world.b.admin.email
    assert client.get("/kring-a/").status_code == 200
    db.session.remove()  # the test's own session gives its connection back too
    before = _server_processes(postgres_server, db.engine.url.database)
    assert before, "no pooled connection to end"
    assert _terminate_app_connections(postgres_server, db.engine.url.database) == len(before)

    response = client.get("/kring-a/")
    assert response.status_code == 200  # no error, no retry needed
    assert "Kring A" in response.get_data(as_text=True)
    assert "Kring B" not in response.get_data(as_text=True)
    after = _server_processes(postgres_server, db.engine.url.database)
    assert after and not after & before
    # Tenant B's member sees their own tenant on the fresh connections, and not A's page.
    other = app.test_client()
    login_as_b = other.post("/account/login", data={"email": b_admin, "password": world.password})
    assert login_as_b.status_code == 302
    assert other.get("/kring-b/members/").status_code == 200
    assert other.get("/kring-a/members/").status_code == 404


@pytest.mark.parametrize(
    "first",
    ["SELECT tenant_id FROM memberships", "SELECT name FROM tenants"],
    ids=["BEGIN with the scope", "a read before the transaction"],
)
def test_a_connection_ended_while_checked_out_fails_once_and_is_replaced(app, world, postgres_server, first):
    """The server ends the connection between check-out and the first statement: that
    statement (the BEGIN carrying the scope, or a read before the transaction) fails
    as a disconnect, SQLAlchemy throws the connection away, and the next check-out
    gets a working one."""
    a = world.a.tenant.id
    db.session.remove()
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
        connection.commit()
        _terminate_app_connections(postgres_server, db.engine.url.database)
        with tenant_scope(a), pytest.raises(DBAPIError) as failure:
            connection.execute(text(first))
        assert failure.value.connection_invalidated
    with db.engine.connect() as connection, tenant_scope(a):
        ids = connection.execute(text("SELECT DISTINCT tenant_id FROM memberships")).scalars().all()
    assert ids == [a]  # row-level security on the new connection: B's memberships stay out
