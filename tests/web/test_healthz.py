"""The health check at /healthz: database and Redis state as JSON, 503 when
something the app needs is down."""

from __future__ import annotations

import pytest

from kringwerk import create_app
from tests.conftest import base_config
from tests.support.services import free_port


def health(app):
    response = app.test_client().get("/healthz")
    return response.status_code, response.get_json(), response


def test_database_ok_and_redis_not_configured(app):
    status, body, response = health(app)
    assert status == 200
    assert body == {"status": "ok", "database": "ok", "redis": "not configured"}
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.both_databases
def test_database_ok_on_both_databases(app, database_backend):
    status, body, _ = health(app)
    assert (status, body["database"]) == (200, "ok")


def test_redis_ok_with_a_real_redis(tmp_path, database_url, redis_server):
    app = create_app(base_config(tmp_path, database_url, REDIS_URL=redis_server.url), environ={})
    status, body, _ = health(app)
    assert status == 200
    assert body == {"status": "ok", "database": "ok", "redis": "ok"}


def test_503_when_redis_is_unreachable(tmp_path, database_url):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(base_config(tmp_path, database_url, REDIS_URL=closed), environ={})
    status, body, _ = health(app)
    assert status == 503
    assert body == {"status": "error", "database": "ok", "redis": "error"}


def test_503_when_the_database_is_unreachable(tmp_path):
    missing = tmp_path / "no-such-folder" / "kringwerk.db"  # SQLite cannot create a file here
    app = create_app(base_config(tmp_path, f"sqlite:///{missing}"), environ={})
    status, body, _ = health(app)
    assert status == 503
    assert body["database"] == "error" and body["status"] == "error"
