"""Extension instances shared by the whole application.

They are created unbound here and attached to an app in ``create_app``.
"""

from __future__ import annotations

import select
from datetime import UTC, datetime
from pathlib import Path

from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

from kringwerk.login_manager import LoginManager

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Timezone-aware 'now' in UTC; every stored time is UTC."""
    return datetime.now(UTC)


class Session(FlaskSession):
    """The app's session: ``get`` is the one door to an object by id, and it
    checks the tenant (``tenancy.scoping.get_in_scope``), so ``db.get_or_404``
    and every ``db.session.get`` keep to the tenant in scope."""

    def get(self, entity, ident, **kwargs):
        # Imported here: the tenancy package imports this module for db.Model.
        from kringwerk.tenancy.scoping import get_in_scope

        return get_in_scope(self, super().get, entity, ident, **kwargs)


class Database(SQLAlchemy):
    """Flask-SQLAlchemy, and pooled connections checked without a round trip."""

    def init_app(self, app) -> None:
        super().init_app(app)
        if not event.contains(Pool, "checkout", drop_closed_connection):
            event.listen(Pool, "checkout", drop_closed_connection)


def drop_closed_connection(dbapi_connection, connection_record, connection_proxy) -> None:
    """Replace a pooled PostgreSQL connection the server has closed, before it is used.

    This stands in for ``pool_pre_ping``, which spends a round trip on every
    check-out. An idle connection receives nothing unless the server ends it (a
    restart, ``pg_terminate_backend``, an idle timeout): it then sends its farewell
    and closes the socket, so a socket with anything to read is dead. Raising
    ``DisconnectionError`` makes the pool throw it away and hand out a fresh one.
    A connection lost without a word (a network cut) is not seen here: the
    statement using it fails, that request answers 500 and SQLAlchemy replaces
    every connection of the pool made before it; ``pool_recycle`` bounds their age.
    """
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:  # SQLite
        return
    if dbapi_connection.closed:
        raise DisconnectionError("the pooled connection is closed")
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
    if poller.poll(0):
        raise DisconnectionError("the server has closed the pooled connection")


db = Database(model_class=Base, session_options={"class_": Session})


def init_migrations(app) -> None:
    """Flask-Migrate for ``app`` (idempotent). Alembic with Mako weighs about 11 MB: the web
    process (``KRINGWERK_WEB_PROCESS``, set by deploy/gunicorn.conf.py) loads it only when
    something there needs it (a tenant archive made in-process); commands and tests at once."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    migrate = Migrate()
    migrate.configure(add_plugin_migrations)
    migrate.init_app(
        app,
        db,
        directory=app.config["MIGRATIONS_DIR"],
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )


def add_plugin_migrations(config):
    """Alembic sees the core versions plus each installed plugin's own branch."""
    from flask import current_app

    from kringwerk.pluginhost import get_registry

    locations = [str(Path(current_app.config["MIGRATIONS_DIR"]) / "versions")]
    locations += [plugin.migrations for plugin in get_registry() if plugin.migrations]
    config.set_main_option("version_locations", " ".join(locations))
    config.set_main_option("path_separator", "space")
    return config


login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
