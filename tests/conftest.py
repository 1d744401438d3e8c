"""Shared fixtures: an app per test on a fresh database (SQLite, or PostgreSQL
for tests marked ``both_databases``), two tenants with people in them, and
clients that sign in as those people.

Every test gets two tenants on purpose: what belongs to tenant A must stay out
of reach from tenant B.
"""

from __future__ import annotations

import contextvars
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from kringwerk import create_app
from kringwerk.extensions import db
from tests.support import services

TEST_PLUGINS = ("tests.support.dummy_plugin",)

# The live server and Chromium fixtures, one instance for the whole session.
pytest_plugins = ["tests.support.browser"]


def pytest_generate_tests(metafunc):
    if "database_backend" in metafunc.fixturenames:
        if metafunc.definition.get_closest_marker("postgresql_only"):
            backends = ["postgresql"]
        elif metafunc.definition.get_closest_marker("both_databases"):
            backends = ["sqlite", "postgresql"]
        else:
            backends = ["sqlite"]
        metafunc.parametrize("database_backend", backends)


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """The .mo files are build output (make install compiles them); compile here too
    so a bare `pytest` runs with the real catalogs: the core's, each plugin's, and
    those of the test-only plugins."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from kringwerk.config import PROJECT_ROOT

    folders = [
        PROJECT_ROOT / "platform" / "kringwerk" / "translations",
        *(PROJECT_ROOT / "plugins").glob("*/translations"),
        *(PROJECT_ROOT / "tests" / "support").glob("*/translations"),
    ]
    for po_path in (path for folder in folders for path in folder.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)


# --- real services, started once per test session ------------------------------------


@pytest.fixture(scope="session")
def postgres_server():
    server = services.start_postgres()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    server = services.start_redis()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp_server_session():
    server = services.start_smtp()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(smtp_server_session):
    smtp_server_session.clear()
    yield smtp_server_session
    smtp_server_session.clear()


# --- databases ------------------------------------------------------------------------


def base_config(tmp_path: Path, database_url: str, **overrides) -> dict:
    config = {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool},
        "EXTRA_PLUGINS": TEST_PLUGINS,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Cheap hashing keeps the suite fast; production uses scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": None,
        "BASE_URL": "http://localhost",
        # The product speaks Dutch first (tests/test_config.py checks that default);
        # the suite's assertions read English, and Dutch is tested explicitly.
        "BABEL_DEFAULT_LOCALE": "en",
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An SQLite file with the whole schema, copied for each test (faster than create_all)."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.db"
    app = create_app(base_config(folder, f"sqlite:///{path}"), environ={})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return path


APP_ROLE = "kringwerk_app"


@pytest.fixture(scope="session")
def postgres_template(postgres_server) -> str:
    """A database with the whole schema and row-level security; each test gets a copy
    via CREATE DATABASE ... TEMPLATE. Tests connect as APP_ROLE, which is neither
    superuser nor owner, so row-level security applies as in production."""
    from kringwerk.tenancy.rls import install_policies, tenant_tables

    admin = create_engine(postgres_server.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS kringwerk_template"))
        connection.execute(text("CREATE DATABASE kringwerk_template"))
        exists = connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE})
        if not exists:
            connection.execute(text(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS"))
    admin.dispose()
    url = postgres_server.url.rsplit("/", 1)[0] + "/kringwerk_template"
    app = create_app(base_config(Path("/tmp"), url), environ={})
    with app.app_context():
        db.create_all()
        with db.engine.begin() as connection:
            install_policies(connection, tenant_tables(db.metadata))
            connection.exec_driver_sql(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}"
            )
            connection.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
        db.engine.dispose()
    return url


_pg_counter = iter(range(1, 10**9))


@pytest.fixture
def database_url(request, database_backend, tmp_path) -> str:
    if database_backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "kringwerk.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("postgres_server")
    request.getfixturevalue("postgres_template")
    name = f"kringwerk_test_{next(_pg_counter)}"
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE kringwerk_template"))
    yield make_url(server.url).set(username=APP_ROLE, database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


# --- the app --------------------------------------------------------------------------


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a real server would: the test's
    app context, ``g``, database session and tenant scope never leak into it.

    It speaks English by default (the assertions read English); tests of the
    Dutch interface ask for it through the user, the tenant or this header.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app_config(tmp_path, database_url) -> dict:
    """Override in a test module to change settings."""
    return base_config(tmp_path, database_url)


@pytest.fixture
def app(app_config):
    app = create_app(app_config, environ={})
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app) -> IsolatedClient:
    return app.test_client()


# --- two tenants with people ------------------------------------------------------------


@dataclass
class Side:
    """One tenant with an admin, a facilitator, a municipality official and a member."""

    tenant: object
    admin: object
    facilitator: object
    official: object
    member: object


@dataclass
class World:
    a: Side
    b: Side
    operator: object
    outsider: object  # an account with no membership anywhere

    password = "correct horse battery staple"


def _make_side(slug: str, name: str, password: str) -> Side:
    from kringwerk.accounts.models import Role
    from kringwerk.accounts.people import add_membership
    from kringwerk.accounts.services import create_user
    from kringwerk.tenancy.context import tenant_scope
    from kringwerk.tenants.services import create_tenant

    # English tenants, so pages match the English assertions; Dutch is tested explicitly.
    tenant = create_tenant(slug, name, "association", default_locale="en")
    people = {}
    for role in Role:
        user = create_user(f"{role.value}@{slug}.example.com", f"{role.label} {name}", password=password)
        db.session.flush()
        with tenant_scope(tenant):
            add_membership(tenant, user, role)
            db.session.flush()
        people[role] = user
    return Side(
        tenant, people[Role.ADMIN], people[Role.FACILITATOR], people[Role.MUNICIPALITY], people[Role.MEMBER]
    )


@pytest.fixture
def world(app) -> World:
    from kringwerk.accounts.services import create_user

    a = _make_side("kring-a", "Kring A", World.password)
    b = _make_side("kring-b", "Kring B", World.password)
    operator = create_user(
        "operator@kringwerk.example.com", "Operator", password=World.password, is_operator=True
    )
    outsider = create_user("outsider@example.com", "Outsider", password=World.password)
    db.session.commit()
    return World(a=a, b=b, operator=operator, outsider=outsider)


def login(client: FlaskClient, user, password: str = World.password):
    response = client.post("/account/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def login_as(client):
    """``login_as(user)`` signs the test client in as ``user`` and returns the client."""

    def sign_in(user):
        login(client, user)
        return client

    return sign_in
