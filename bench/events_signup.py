"""Events: sign-ups per second against PostgreSQL, and the annual calendar under gunicorn
beside a bare Flask page served the same way in the same run.

    .venv/bin/python bench/events_signup.py

1. Sign-ups: 400 members of one tenant sign up for one event of 300 seats from 8
   threads at once, through ``plugins.events.signup.sign_up`` (each its own
   transaction, as a request would be). Every sign-up takes the event's row lock, so
   this measures the serialised path; printed: sign-ups per second, and that exactly
   300 got a seat and 100 are on the waiting list in arrival order.
2. The calendar: ``/<tenant>/events/?view=year`` with 60 public events (a visitor's
   view) served by gunicorn (2 sync workers, SQLite file), and a bare Flask page
   rendering 25 rows served by gunicorn the same way; medians of 200 sequential GETs
   over HTTP. The ratio is the headline.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import make_app, postgres_databases, report  # noqa: E402

PEOPLE, SEATS, THREADS = 400, 300, 8
CALENDAR_EVENTS, REQUESTS = 60, 200


def _tenant_with_members(count: int):
    from kringwerk.accounts.models import Role
    from kringwerk.accounts.people import add_membership
    from kringwerk.accounts.services import create_user
    from kringwerk.extensions import db
    from kringwerk.pluginhost.services import enable_plugin
    from kringwerk.tenancy import tenant_scope
    from kringwerk.tenants.services import create_tenant

    tenant = create_tenant("cleantech", "Ondernemend Cleantech Regio", "region")
    enable_plugin(tenant, "events")
    user_ids = []
    for number in range(count):
        user = create_user(f"ondernemer{number}@bench.example", f"Ondernemer {number}", password=None)
        db.session.flush()
        with tenant_scope(tenant):
            add_membership(tenant, user, Role.MEMBER)
            db.session.flush()
        user_ids.append(user.id)
    db.session.commit()
    return tenant, user_ids


def bench_signups() -> list[tuple[str, str]]:
    from kringwerk.accounts.models import User
    from kringwerk.extensions import db, utcnow
    from kringwerk.tenancy import tenant_scope
    from kringwerk.tenancy.models import Tenant
    from plugins.events import signup
    from plugins.events.models import Event, EventState, Registration, RegistrationStatus
    from plugins.events.services import Visitor

    server, urls = postgres_databases("events_bench", ["signup"])
    try:
        app = make_app(urls["signup"])
        with app.app_context():
            tenant, user_ids = _tenant_with_members(PEOPLE)
            with tenant_scope(tenant):
                event = Event(
                    title="Themabijeenkomst",
                    starts_at=utcnow() + timedelta(days=30),
                    ends_at=utcnow() + timedelta(days=30, hours=2),
                    capacity=SEATS,
                    state=EventState.PUBLISHED,
                )
                db.session.add(event)
                db.session.commit()
                event_id, tenant_id = event.id, tenant.id
            db.session.remove()
        queue = list(user_ids)
        lock = threading.Lock()

        def work():
            with app.app_context():
                scope = db.session.get(Tenant, tenant_id)
                while True:
                    with lock:
                        if not queue:
                            return
                        user_id = queue.pop(0)
                    with tenant_scope(scope):
                        user = db.session.get(User, user_id)
                        signup.sign_up(db.session.get(Event, event_id), Visitor(user=user, member=True))
                        db.session.commit()
                db.session.remove()

        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        with app.app_context():
            with tenant_scope(db.session.get(Tenant, tenant_id)):
                rows = list(db.session.query(Registration).filter_by(event_id=event_id))
                confirmed = [r for r in rows if r.status == RegistrationStatus.CONFIRMED]
                waiting = sorted(r.position for r in rows if r.status == RegistrationStatus.WAITING)
                in_order = max(r.position for r in confirmed) < min(waiting)
            db.session.remove()
            db.engine.dispose()
        return [
            (
                "sign-ups (PostgreSQL, 8 threads)",
                f"{PEOPLE / elapsed:.0f} per second ({elapsed:.2f} s for {PEOPLE})",
            ),
            (
                "seats / waiting list",
                f"{len(confirmed)} confirmed, {len(waiting)} waiting, arrival order: {in_order}",
            ),
        ]
    finally:
        server.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(target: str, environ: dict) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", target],
        cwd=ROOT,
        env={**os.environ, **environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'platform'}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            break
        except OSError as error:
            if getattr(error, "code", None):  # an HTTP answer: the server is up
                break
            time.sleep(0.1)
    return process, url


def _median_ms(url: str) -> float:
    for _ in range(10):
        urllib.request.urlopen(url).read()
    samples = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        with urllib.request.urlopen(url) as response:
            response.read()
            assert response.status == 200
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def bench_calendar() -> list[tuple[str, str]]:
    from kringwerk.extensions import db
    from kringwerk.tenancy import tenant_scope
    from plugins.events.models import Audience, Event, EventState

    folder = Path(tempfile.mkdtemp(prefix="kringwerk-bench-events-"))
    database = folder / "calendar.db"
    app = make_app(f"sqlite:///{database}")
    year = datetime.now().year + 1
    with app.app_context():
        tenant, _ = _tenant_with_members(1)
        with tenant_scope(tenant):
            for number in range(CALENDAR_EVENTS):
                start = datetime(
                    year, 1 + number % 12, 1 + number % 27, 16, 0, tzinfo=ZoneInfo("Europe/Amsterdam")
                )
                db.session.add(
                    Event(
                        title=f"Themabijeenkomst {number}",
                        starts_at=start,
                        ends_at=start + timedelta(hours=2),
                        audience=Audience.PUBLIC,
                        state=EventState.PUBLISHED,
                        capacity=100,
                    )
                )
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    environ = {
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "bench",
        "KRINGWERK_ENV": "development",
    }
    calendar, calendar_url = _serve("kringwerk:create_app()", environ)
    bare, bare_url = _serve("bench.common:bare_app()", {})
    try:
        page = _median_ms(f"{calendar_url}/cleantech/events/?view=year&year={year}")
        baseline = _median_ms(bare_url + "/")
    finally:
        for process in (calendar, bare):
            process.terminate()
            process.wait(timeout=10)
    return [
        (f"calendar, year view, {CALENDAR_EVENTS} events (gunicorn)", f"{page:.1f} ms"),
        ("bare Flask page (gunicorn)", f"{baseline:.1f} ms"),
        ("ratio", f"{page / baseline:.1f}× baseline"),
    ]


if __name__ == "__main__":
    report("Events: sign-ups", bench_signups())
    report("Events: the annual calendar under gunicorn", bench_calendar())
