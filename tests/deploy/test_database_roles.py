"""The shipped database set-up: deploy/postgres/roles.psql makes an owner and an app
role, the migrations run as the owner and grant the app role its rows, and the app
role, neither superuser nor BYPASSRLS, is bound by row-level security even in raw SQL."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
import yaml
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

from kringwerk import create_app
from kringwerk.extensions import db
from tests.conftest import base_config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_the_compose_file_runs_the_app_as_the_app_role_and_migrations_as_the_owner():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    users = {
        name: make_url(service["environment"]["DATABASE_URL"]).username
        for name, service in services.items()
        if "DATABASE_URL" in service.get("environment", {})
    }
    assert users == {"web": "kringwerk_app", "worker": "kringwerk_app", "migrate": "kringwerk_owner"}
    assert services["migrate"]["environment"]["KRINGWERK_APP_ROLE"] == "kringwerk_app"
    assert services["migrate"]["command"] == ["kringwerk", "db", "upgrade"]
    assert "POSTGRES_USER" not in (DEPLOY / "compose.yaml").read_text()  # nothing uses the superuser
    assert "./postgres:/docker-entrypoint-initdb.d:ro" in services["db"]["volumes"]
    script = (DEPLOY / "postgres" / "10-kringwerk-roles.sh").read_text()
    assert "roles.psql" in script and "app_role=kringwerk_app" in script


@pytest.fixture
def deployed(postgres_server, tmp_path, monkeypatch):
    """A database made by roles.psql and migrated by its owner; yields the URLs."""
    suffix = uuid.uuid4().hex[:8]
    names = {
        "database": f"kw_deploy_{suffix}",
        "owner_role": f"kw_owner_{suffix}",
        "app_role": f"kw_app_{suffix}",
    }
    server = make_url(postgres_server.url)
    libpq = server.set(drivername="postgresql").render_as_string(hide_password=False)
    variables = [*names.items(), ("owner_password", "owner-secret"), ("app_password", "app-secret")]
    command = [
        "psql",
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        libpq,
        "-f",
        str(DEPLOY / "postgres" / "roles.psql"),
    ]
    for key, value in variables:
        command += ["-v", f"{key}={value}"]
    subprocess.run(command, check=True, capture_output=True, text=True)

    def url(role: str, password: str) -> str:
        return server.set(database=names["database"], username=role, password=password).render_as_string(
            hide_password=False
        )

    urls = {
        "owner": url(names["owner_role"], "owner-secret"),
        "app": url(names["app_role"], "app-secret"),
        "app_role": names["app_role"],
    }
    monkeypatch.setenv("KRINGWERK_APP_ROLE", names["app_role"])
    owner_app = create_app(base_config(tmp_path, urls["owner"]), environ={})
    with owner_app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    yield urls

    admin = create_engine(postgres_server.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{names["database"]}" WITH (FORCE)'))
        for role in (names["app_role"], names["owner_role"]):
            connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    admin.dispose()


def two_tenants_with_a_company_each(app_url: str, tmp_path) -> dict[str, int]:
    """Written through the app, connected as the app role: the grants cover what it does."""
    from kringwerk.members.models import Company
    from kringwerk.tenancy import tenant_scope
    from kringwerk.tenants.services import create_tenant

    app = create_app(base_config(tmp_path, app_url), environ={})
    ids = {}
    with app.app_context():
        for slug, company in (("kring-a", "Alpha BV"), ("kring-b", "Bravo BV")):
            tenant = create_tenant(slug, slug.title(), "association")
            db.session.flush()
            with tenant_scope(tenant):
                db.session.add(Company(name=company))
                db.session.flush()
            ids[slug] = tenant.id
        db.session.commit()
        db.engine.dispose()
    return ids


@pytest.mark.postgresql_only
def test_the_app_role_is_bound_by_row_level_security(deployed, tmp_path):
    ids = two_tenants_with_a_company_each(deployed["app"], tmp_path)
    engine = create_engine(deployed["app"], poolclass=NullPool)
    try:
        with engine.connect() as connection:
            flags = connection.execute(
                text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            ).one()
            assert tuple(flags) == (False, False)

            def names(tenant_id: int | None = None) -> list[str]:
                if tenant_id is not None:
                    connection.execute(
                        text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
                    )
                return sorted(connection.execute(text("SELECT name FROM companies")).scalars())

            assert names() == []  # raw SQL without a tenant sees nothing
            assert names(ids["kring-b"]) == ["Bravo BV"]
            connection.rollback()
            assert names(ids["kring-a"]) == ["Alpha BV"]
            connection.rollback()
            # The switch for crossing tenants on purpose (see docs/architecture.md, Decisions).
            connection.execute(text("SELECT set_config('app.unscoped', 'on', true)"))
            assert names() == ["Alpha BV", "Bravo BV"]
            connection.rollback()

        # Nor can the app role take the wall down, change the schema or rewrite history.
        for statement in (
            "ALTER TABLE companies NO FORCE ROW LEVEL SECURITY",
            "ALTER TABLE companies DISABLE ROW LEVEL SECURITY",
            "DROP POLICY tenant_isolation ON companies",
            "CREATE TABLE smuggled (id integer)",
            "TRUNCATE companies",
            "DELETE FROM alembic_version",
        ):
            with engine.connect() as connection, pytest.raises(ProgrammingError):
                connection.execute(text(statement))
    finally:
        engine.dispose()


@pytest.mark.postgresql_only
def test_tables_a_later_migration_creates_are_granted_too(deployed):
    owner = create_engine(deployed["owner"], poolclass=NullPool)
    app = create_engine(deployed["app"], poolclass=NullPool)
    try:
        with owner.begin() as connection:
            connection.execute(text("CREATE TABLE later (id serial PRIMARY KEY, note text)"))
        with app.begin() as connection:
            connection.execute(text("INSERT INTO later (note) VALUES ('granted')"))
            assert connection.scalar(text("SELECT note FROM later")) == "granted"
    finally:
        owner.dispose()
        app.dispose()


def test_only_the_tenancy_package_and_migrations_speak_to_row_level_security_directly():
    """Crossing tenants goes through ``unscoped(reason)``, which the tenancy package turns
    into ``app.unscoped``; no other code sets the switch (or the tenant) itself."""
    root = DEPLOY.parent
    allowed = {root / "platform" / "kringwerk" / "tenancy" / "rls.py"}
    offenders = [
        str(path.relative_to(root))
        for folder in (root / "platform", root / "plugins")
        for path in folder.rglob("*.py")
        if path not in allowed
        and "migrations" not in path.parts
        and ("app.unscoped" in path.read_text() or "app.tenant_id" in path.read_text())
    ]
    assert offenders == []
