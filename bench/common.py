"""Shared pieces of the benchmarks: an app on a throwaway database, a signed-in
client, timing with medians, SQL statement counting, and a bare Flask baseline
served the same way so every figure comes with a ratio measured in the same run."""

from __future__ import annotations

import contextvars
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, render_template
from flask.testing import FlaskClient
from jinja2 import DictLoader
from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class FreshContextClient(FlaskClient):
    """Each request in a clean context, as a real server handles it."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(database_url: str | None = None):
    """A production-like app (CSRF on, fast hashing only for setup speed) on a new database."""
    from kringwerk import create_app
    from kringwerk.extensions import db

    folder = Path(tempfile.mkdtemp(prefix="kringwerk-bench-"))
    url = database_url or f"sqlite:///{folder / 'bench.db'}"
    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(folder),
            "SQLALCHEMY_DATABASE_URI": url,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_ENABLED": False,
        },
        environ={},
    )
    app.test_client_class = FreshContextClient
    with app.app_context():
        db.create_all()
    return app


def time_requests(client, url: str, repeat: int = 30, warmup: int = 3) -> float:
    """Median wall time of GET ``url`` in milliseconds."""
    for _ in range(warmup):
        assert client.get(url).status_code == 200
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples)


def peak_memory_kib(client, url: str) -> float:
    """Peak Python memory allocated while serving one GET of ``url`` (tracemalloc)."""
    import tracemalloc

    client.get(url)  # warm caches first: measure the request, not first-use imports
    tracemalloc.start()
    try:
        assert client.get(url).status_code == 200
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1024


@contextmanager
def count_statements(engine):
    counter = {"n": 0}

    def count(*_):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", count)


BARE_TEMPLATE = "<ul>{% for r in rows %}<li>{{ r.name }} - {{ r.city }}</li>{% endfor %}</ul>"


def bare_app() -> Flask:
    """The baseline: a bare Flask page rendering a small template (25 rows). The template
    comes from a loader, so Jinja compiles it once per process as it does the app's own
    (``render_template_string`` would compile it on every request and flatter the ratios)."""
    bare = Flask("baseline")
    bare.jinja_loader = DictLoader({"rows.html": BARE_TEMPLATE})

    @bare.get("/")
    def page():
        rows = [{"name": f"Bedrijf {i}", "city": "Lochem"} for i in range(25)]
        return render_template("rows.html", rows=rows)

    return bare


def baseline_ms(repeat: int = 30) -> float:
    """The bare Flask page, served through the same test client."""
    bare = bare_app()
    bare.test_client_class = FreshContextClient
    return time_requests(bare.test_client(), "/", repeat=repeat)


def report(title: str, rows: list[tuple[str, str]]) -> None:
    print(f"\n{title}")
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label.ljust(width)}  {value}")


def postgres_databases(prefix: str, sizes):
    """A throwaway PostgreSQL server (tests/support/services.py) with one fresh database
    per size, named ``<prefix>_<size>``; returns the server (stop it) and the URLs by size."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from tests.support.services import start_postgres

    server = start_postgres()
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    urls = {}
    with admin.connect() as connection:
        for size in sizes:
            connection.execute(text(f"CREATE DATABASE {prefix}_{size}"))
            urls[size] = server.url.rsplit("/", 1)[0] + f"/{prefix}_{size}"
    admin.dispose()
    return server, urls
