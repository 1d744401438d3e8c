"""deploy/gunicorn.conf.py: the app is loaded once in the master and the workers are forked
from it (preload_app), the master's objects are frozen for the workers' collections, and a
worker keeps no database connection of the master's. A dead worker is replaced by a fork,
not by loading the app again."""

from __future__ import annotations

import gc
import os
import re
import runpy
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from sqlalchemy import text

from kringwerk import create_app
from kringwerk.extensions import db
from tests.conftest import base_config
from tests.support.services import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CONF = ROOT / "deploy" / "gunicorn.conf.py"
LOADED = "kringwerk: loaded once in the master"


def _environment(tmp_path: Path, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("KRINGWERK_", "DATABASE_URL", "REDIS_URL", "SMTP_URL", "BASE_URL", "GUNICORN_")
        )
    }
    env.update(
        KRINGWERK_ENV="production",
        SECRET_KEY="gunicorn-test-" + os.urandom(8).hex(),
        KRINGWERK_INSTANCE=str(tmp_path / "instance"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'kringwerk.db'}",
        BASE_URL=f"http://127.0.0.1:{port}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="1",
    )
    return env


def _children(pid: int) -> set[int]:
    return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def _wait(condition, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=10).status_code == 200
    except requests.ConnectionError:
        return False


def test_workers_are_forked_from_the_app_loaded_once_in_the_master(tmp_path):
    port = free_port()
    env = _environment(tmp_path, port)
    migrated = subprocess.run(
        [str(BIN / "kringwerk"), "db", "upgrade"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    log = tmp_path / "web.log"
    master = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", str(CONF), "kringwerk:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _answers(f"{base}/healthz") or master.poll() is not None, "gunicorn to answer")
        assert master.poll() is None, log.read_text()[-3000:]
        workers = _wait(lambda: len(_children(master.pid)) == 2 and _children(master.pid), "two workers")
        for path in ["/", "/healthz", "/account/login", "/no-such-tenant/"] * 3:
            expected = 404 if path.startswith("/no-such") else 200
            assert requests.get(base + path, timeout=10).status_code == expected, path

        # One worker dies: the master forks a new one; the app is not created again.
        os.kill(min(workers), signal.SIGKILL)
        replaced = _wait(
            lambda: len(_children(master.pid)) == 2 and min(workers) not in _children(master.pid),
            "the dead worker to be replaced",
        )
        assert replaced
        for _ in range(4):
            assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
        output = log.read_text()
        loaded = [line for line in output.splitlines() if LOADED in line]
        assert len(loaded) == 1, output[-3000:]
        # gunicorn prefixes each line with the pid that wrote it: the master's.
        assert re.search(rf"\[{master.pid}\] \[INFO\] {LOADED}", loaded[0]), loaded
        assert output.count("Booting worker") == 3
        assert "Traceback" not in output, output[-3000:]
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(master.pid, signal.SIGKILL)
            master.wait()


@pytest.fixture
def settings(monkeypatch):
    # Reading the settings marks this process as a web process: undone after the test.
    monkeypatch.setenv("KRINGWERK_WEB_PROCESS", "")
    monkeypatch.delenv("KRINGWERK_WEB_PROCESS")
    return runpy.run_path(str(CONF))


@pytest.fixture
def pooled_app(tmp_path):
    """An app whose engine keeps real connections in its pool, as production's does."""
    config = base_config(tmp_path, f"sqlite:///{tmp_path / 'pool.db'}")
    del config["SQLALCHEMY_ENGINE_OPTIONS"]  # the suite's NullPool keeps nothing to inherit
    app = create_app(config, environ={})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_settings_preload_the_app_and_recycle_workers_rarely(settings):
    assert settings["preload_app"] is True
    assert settings["max_requests"] >= 20_000  # a worker lives for minutes under load, not seconds
    assert 0 < settings["max_requests_jitter"] < settings["max_requests"]


def test_a_forked_worker_keeps_no_connection_of_the_master(settings, pooled_app):
    with pooled_app.app_context():
        with db.engine.connect() as connection:  # the master touched the database
            connection.execute(text("SELECT 1"))
        inherited = db.engine.pool
        assert inherited.checkedin() == 1
    server = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: pooled_app))
    settings["post_fork"](server, worker=None)
    with pooled_app.app_context():
        assert db.engine.pool is not inherited
        assert db.engine.pool.checkedin() == 0
        with db.engine.connect() as connection:  # and the worker opens its own
            assert connection.execute(text("SELECT 1")).scalar() == 1


def test_when_ready_warms_up_and_freezes_the_master(settings, pooled_app):
    messages = []
    server = SimpleNamespace(
        app=SimpleNamespace(wsgi=lambda: pooled_app),
        cfg=SimpleNamespace(preload_app=True),
        log=SimpleNamespace(info=lambda message, *args: messages.append(message % args)),
    )
    try:
        settings["when_ready"](server)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert messages and LOADED in messages[0] and "'nl'" in messages[0]
    with pooled_app.app_context():
        assert db.engine.pool.checkedin() == 0  # warming up opened no connection


def test_another_app_under_these_settings_is_left_alone(settings):
    """bench/bare_app.py runs under the same settings: no Kringwerk work for it."""
    from flask import Flask

    bare = Flask("bare")
    server = SimpleNamespace(
        app=SimpleNamespace(wsgi=lambda: bare),
        cfg=SimpleNamespace(preload_app=True),
        log=SimpleNamespace(info=pytest.fail),
    )
    settings["post_fork"](server, worker=None)
    try:
        settings["when_ready"](server)
    finally:
        gc.unfreeze()


WEB_PROCESS_PROBE = """
import sys
from kringwerk import create_app
from kringwerk.tenants.archive import schema_heads
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 32}, environ={"KRINGWERK_WEB_PROCESS": "1"})
loaded = sorted(name for name in ("alembic", "flask_migrate", "mako") if name in sys.modules)
commands = sorted(app.cli.commands)
with app.app_context():
    heads = schema_heads()  # a tenant archive made in the web process loads it on demand
print(loaded, "db" in commands, len(heads) > 1, "alembic" in sys.modules)
"""


def test_the_web_process_loads_no_alembic_until_it_needs_it(settings):
    """gunicorn.conf.py marks the process as a web process: no ``db`` commands and no
    Alembic (about 11 MB per worker), which a tenant archive made in-process still finds."""
    assert settings["os"].environ.get("KRINGWERK_WEB_PROCESS") == "1"
    done = subprocess.run(
        [sys.executable, "-c", WEB_PROCESS_PROBE], capture_output=True, text=True, check=True
    )
    assert done.stdout.split("\n")[0] == "[] False True True"
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 32}, environ={})
    assert "db" in app.cli.commands and "migrate" in app.extensions  # commands and tests
