"""Alembic migrations, run from an empty database, reach exactly the models
(on SQLite and on PostgreSQL), and can be rolled back."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from kringwerk import create_app
from kringwerk.extensions import db
from tests.conftest import base_config


def tables_of_test_plugins() -> set[str]:
    """Tables of test-only plugins, which have no migrations."""
    return {m.local_table.name for m in db.Model.registry.mappers if m.class_.__module__.startswith("tests.")}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"kringwerk_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield server.url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


# SQLite cannot reflect expression indexes; PostgreSQL compares them.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_upgrade_from_empty_matches_the_models_and_downgrades(tmp_path, empty_database):
    app = create_app(base_config(tmp_path, empty_database), environ={})
    with app.app_context():
        upgrade(revision="heads")
        ignored = tables_of_test_plugins()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = [
                diff for diff in compare_metadata(context, db.metadata) if not _concerns(diff, ignored)
            ]
        assert differences == [], "models and migrations differ; run `kringwerk db migrate`"
        if db.engine.dialect.name == "postgresql":
            assert unprotected_tenant_tables(ignored) == [], "add row-level security in a migration"

        downgrade(revision="base")
        with db.engine.connect() as connection:
            remaining = set(inspect(connection).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()


def unprotected_tenant_tables(ignored: set[str]) -> list[str]:
    from kringwerk.tenancy.rls import POLICY, tenant_tables

    with db.engine.connect() as connection:
        protected = set(
            connection.execute(
                text(
                    "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
                    "WHERE c.relrowsecurity AND c.relforcerowsecurity AND p.polname = :policy"
                ),
                {"policy": POLICY},
            ).scalars()
        )
    return sorted(set(tenant_tables(db.metadata)) - protected - ignored)


def _concerns(diff, tables: set[str]) -> bool:
    """Whether an autogenerate difference is about one of ``tables``."""
    entries = diff if isinstance(diff, list) else [diff]
    for entry in entries:
        for part in entry:
            name = getattr(part, "name", None)
            table = getattr(part, "table", None)
            if name in tables or getattr(table, "name", None) in tables:
                return True
            if isinstance(part, str) and part in tables:
                return True
    return False
