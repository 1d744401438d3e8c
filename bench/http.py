"""The main pages over HTTP, beside a bare Flask page, on SQLite and on PostgreSQL.

For each database: a fresh instance (migrated, the demo loaded), the app under
gunicorn with the production settings (deploy/gunicorn.conf.py, 2 sync workers)
and the bare page of ``bench/bare_app.py`` served the same way; wrk with 16
connections per page, signed in as the demo board member. Prints per page the
requests per second, p50 and p99 latency and the ratio to the bare page; then the
SQL statements per page (counted in the test client) and the workers' memory
after the run. ``--profile`` adds where the time goes per page (cProfile in the
test client).

    .venv/bin/python bench/http.py                       # both databases
    .venv/bin/python bench/http.py --database sqlite --seconds 3
    .venv/bin/python bench/http.py --profile             # and a profile per page
    .venv/bin/python bench/http.py --unkept              # without the data kept per process
    .venv/bin/python bench/http.py --pages home,answer   # only the pages whose label has a word

Targets (issue 15): home, answer page and public event page at >= 0.4x the bare
page; the others at >= 0.2x; p99 under 100 ms at 16 connections; a worker under
120 MB after warm-up. Needs wrk (``make system-deps``).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's ``http``: keep its folder off the
# path, or ``import http.client`` (werkzeug, requests) would find this script.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import cProfile  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from urllib.parse import urljoin  # noqa: E402

import requests  # noqa: E402

from bench.common import FreshContextClient, baseline_ms, count_statements, time_requests  # noqa: E402
from tests.support.services import _postgres_bin, free_port, start_postgres  # noqa: E402

ROOT = HERE.parent
BIN = Path(sys.executable).parent
PASSWORD = "kringwerk-demo"
BOARD = "bestuur@kringwerk.demo"  # board member of ikl (and cleantech-regio)
MKB_BOARD = "bestuur.mkblv@kringwerk.demo"  # the MKB-toets dossiers are mkb-lv's
CONNECTIONS = 16


@dataclass
class Page:
    label: str
    url: str  # path
    who: str  # "board", "mkb_board" or "anonymous" (a personal link, a public page)
    statements: int | None = None
    client_ms: float | None = None  # median in the test client, no profiler
    # The same without the data kept per process (KEEP_PAGE_DATA off): the first request
    # after a write pays this.
    statements_unkept: int | None = None
    client_ms_unkept: float | None = None
    profile: dict | None = None


@dataclass
class Instance:
    """A migrated database with the demo loaded, and the environment the app runs with."""

    name: str
    env: dict[str, str]
    folder: Path
    demo_output: str
    stop: list = field(default_factory=list)


# --- a fresh instance ------------------------------------------------------------------------


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _base_env(folder: Path, web_port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KRINGWERK_", "DATABASE_", "REDIS_", "SMTP_"))
    }
    env.update(
        KRINGWERK_ENV="production",
        SECRET_KEY="bench-http-" + os.urandom(8).hex(),
        KRINGWERK_INSTANCE=str(folder / "instance"),
        BASE_URL=f"http://127.0.0.1:{web_port}",
    )
    return env


def sqlite_instance(web_port: int) -> Instance:
    folder = Path(tempfile.mkdtemp(prefix="kringwerk-http-sqlite-"))
    env = _base_env(folder, web_port)
    env["DATABASE_URL"] = f"sqlite:///{folder / 'kringwerk.db'}"
    _run([str(BIN / "kringwerk"), "db", "upgrade"], env)
    output = _run([str(BIN / "kringwerk"), "demo"], env)
    return Instance("SQLite", env, folder, output)


def postgres_instance(web_port: int) -> Instance:
    """PostgreSQL as deploy/smoke.sh sets it up: the deploy's role script, migrations as the
    owner, the app (demo, gunicorn) as the app role, so row-level security applies."""
    folder = Path(tempfile.mkdtemp(prefix="kringwerk-http-pg-"))
    server = start_postgres()
    admin = server.url.replace("postgresql+psycopg://", "postgresql://")
    subprocess.run(
        [
            str(_postgres_bin() / "psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            admin,
            "-v",
            "database=kringwerk",
            "-v",
            "owner_role=kringwerk_owner",
            "-v",
            "owner_password=owner-secret",
            "-v",
            "app_role=kringwerk_app",
            "-v",
            "app_password=app-secret",
            "-f",
            str(ROOT / "deploy/postgres/roles.psql"),
        ],
        check=True,
        capture_output=True,
    )
    host = server.url.split("@", 1)[1].rsplit("/", 1)[0]
    env = _base_env(folder, web_port)
    owner = dict(env, DATABASE_URL=f"postgresql+psycopg://kringwerk_owner:owner-secret@{host}/kringwerk")
    owner["KRINGWERK_APP_ROLE"] = "kringwerk_app"
    _run([str(BIN / "kringwerk"), "db", "upgrade"], owner)
    env["DATABASE_URL"] = f"postgresql+psycopg://kringwerk_app:app-secret@{host}/kringwerk"
    output = _run([str(BIN / "kringwerk"), "demo"], env)
    return Instance("PostgreSQL", env, folder, output, stop=[server.stop])


# --- the pages, found in the demo data -------------------------------------------------------


def in_process_app(instance: Instance):
    from kringwerk import create_app

    app = create_app({"INSTANCE_PATH": instance.env["KRINGWERK_INSTANCE"]}, environ=instance.env)
    app.test_client_class = FreshContextClient
    return app


def find_pages(app, instance: Instance) -> list[Page]:
    from sqlalchemy import select

    from kringwerk.extensions import db
    from kringwerk.tenancy.context import tenant_scope
    from kringwerk.tenancy.models import Tenant
    from plugins.events.models import Audience, Event
    from plugins.masterplan.models import Masterplan
    from plugins.mkb_toets.models import Dossier
    from plugins.polls.models import Poll, PollState

    answer = re.search(r"https?://[^/\s]+(/ikl/polls/\d+/a/\S+)", instance.demo_output)
    if answer is None:
        raise SystemExit("the demo printed no personal link to a poll")
    with app.app_context():
        tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}

        def first(slug, statement):
            with tenant_scope(tenants[slug]):
                return db.session.scalar(statement.limit(1))

        closed = first("ikl", select(Poll.id).where(Poll.state == PollState.CLOSED).order_by(Poll.id))
        dossier = first("mkb-lv", select(Dossier.id).order_by(Dossier.id))
        plan = first("ikl", select(Masterplan.id).order_by(Masterplan.id))
        public = None
        for slug in ("ikl", "mkb-lv", "cleantech-regio"):
            event = first(slug, select(Event.id).where(Event.audience == Audience.PUBLIC).order_by(Event.id))
            if event is not None:
                public = f"/{slug}/events/{event}"
                break
    if None in (closed, dossier, plan, public):
        raise SystemExit(f"demo data missing: {closed=} {dossier=} {plan=} {public=}")
    return [
        Page("tenant home", "/ikl/", "board"),
        Page("polls list", "/ikl/polls/", "board"),
        Page("poll results (closed, 40 responses)", f"/ikl/polls/{closed}/results", "board"),
        Page("member directory", "/ikl/members/", "board"),
        Page("answer page (personal link)", answer.group(1), "anonymous"),
        Page("public event page (signed out)", public, "anonymous"),
        Page("events calendar", "/ikl/events/", "board"),
        Page("MKB-toets dossiers", "/mkb-lv/mkb-toets/", "mkb_board"),
        Page("MKB-toets dossier", f"/mkb-lv/mkb-toets/{dossier}", "mkb_board"),
        Page("masterplans", "/ikl/masterplan/", "board"),
        Page("masterplan page", f"/ikl/masterplan/{plan}/", "board"),
    ]


# --- signing in ------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def sign_in_http(base: str, email: str) -> str:
    """The session cookie of ``email`` after the password sign-in, as a Cookie header."""
    session = requests.Session()
    page = session.get(f"{base}/account/login", timeout=30)
    token = CSRF.search(page.text).group(1)
    answer = session.post(
        f"{base}/account/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD, "next": ""},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise SystemExit(f"sign-in of {email} failed: {answer.status_code}")
    # The page the sign-in leads to, as a browser follows it: its answer puts the session's
    # CSRF token in the cookie (a new session has none), so later requests carry it.
    session.get(urljoin(f"{base}/", answer.headers["Location"]), timeout=30)
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def sign_in_client(app, email: str):
    client = app.test_client()
    token = CSRF.search(client.get("/account/login").get_data(as_text=True)).group(1)
    answer = client.post(
        "/account/login", data={"csrf_token": token, "email": email, "password": PASSWORD, "next": ""}
    )
    assert answer.status_code == 302, (email, answer.status_code)
    return client


# --- in the test client: statements and profiles ---------------------------------------------

# Inclusive costs: the cumulative time of these functions (outermost calls only).
INCLUSIVE = {
    "template rendering": [("flask/templating.py", "_render")],
    "url_for": [("flask/app.py", "url_for")],
    "SQL (execute, driver included)": [("sqlalchemy/engine/base.py", "_execute_context")],
    "user loading (Flask-Login)": [("flask_login/utils.py", "_get_user")],
    "plugin hooks (subset callers + calls)": [
        ("pluginhost/gating.py", "__getattr__"),
        ("pluggy/_caller.py", "__call__"),
    ],
    "Babel (flask_babel calls)": [
        ("flask_babel/__init__.py", name)
        for name in (
            "gettext",
            "ngettext",
            "pgettext",
            "lazy_gettext",
            "format_datetime",
            "format_date",
            "format_decimal",
            "format_number",
            "format_currency",
            "format_percent",
            "format_time",
        )
    ],
    "before_request (tenant, membership, locale)": [("flask/app.py", "preprocess_request")],
    "logging (records written)": [("logging/__init__.py", "_log")],
    "CSRF token (Flask-WTF)": [("flask_wtf/csrf.py", "generate_csrf")],
    "session open/save": [("flask/sessions.py", "open_session"), ("flask/sessions.py", "save_session")],
}
# Exclusive costs: the own time of every function, grouped by where it lives.
GROUPS = [
    ("Jinja (compiled templates + jinja2)", ("/templates/", ".html", "jinja2/")),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("database driver", ("psycopg/", "psycopg_binary/", "sqlite3", "_sqlite3")),
    ("Babel (flask_babel, babel)", ("flask_babel/", "babel/")),
    ("werkzeug (routing, url building, http)", ("werkzeug/",)),
    ("flask, flask_login, flask_wtf, wtforms", ("flask/", "flask_login/", "flask_wtf/", "wtforms/")),
    ("pluggy", ("pluggy/",)),
    ("markupsafe (escaping)", ("markupsafe/",)),
    ("kringwerk core", ("platform/kringwerk/",)),
    ("plugins", ("/plugins/",)),
]


def _label(filename: str) -> str:
    for group, needles in GROUPS:
        if any(needle in filename for needle in needles):
            return group
    return "other (stdlib, builtins, ...)"


def profile_page(client, url: str, requests_: int) -> dict:
    for _ in range(3):
        assert client.get(url).status_code == 200, url
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _ in range(requests_):
        client.get(url)
    profiler.disable()
    wall = (time.perf_counter() - start) * 1000 / requests_
    stats = pstats.Stats(profiler).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    total = sum(tt for _cc, _nc, tt, _ct, _callers in stats.values())
    inclusive = {}
    for label, functions in INCLUSIVE.items():
        ct = calls = 0
        for (filename, _line, name), (_cc, nc, _tt, cum, _callers) in stats.items():
            if any(filename.endswith(f) and name == fn for f, fn in functions):
                ct += cum
                calls += nc
        inclusive[label] = (ct * 1000 / requests_, calls / requests_)
    groups: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tt, _ct, _callers) in stats.items():
        groups[_label(filename)] = groups.get(_label(filename), 0) + tt
    top = sorted(
        (
            (tt, nc, f"{Path(filename).parent.name}/{Path(filename).name}:{name}")
            for (filename, _line, name), (_cc, nc, tt, _ct, _callers) in stats.items()
        ),
        reverse=True,
    )[:8]
    # On PostgreSQL a request also sends the row-level-security scope (tenancy/rls.py) and
    # its transaction commands: count what goes over the wire, not only the statements.
    round_trips = sum(
        nc
        for (filename, _line, name), (_cc, nc, _tt, _ct, _callers) in stats.items()
        if "psycopg/" in filename and name in ("_execute_send", "_exec_command")
    )
    own_code = sorted(
        (
            (ct, nc, f"{Path(filename).parent.name}/{Path(filename).name}:{name}")
            for (filename, _line, name), (_cc, nc, _tt, ct, _callers) in stats.items()
            if ("platform/kringwerk/" in filename or "/plugins/" in filename)
            and not (name == "wrapper" and filename.endswith("/permissions.py"))
            and not (name == "page_or_block" and filename.endswith("/htmx.py"))
        ),
        reverse=True,
    )[:8]
    return {
        "round_trips": round_trips / requests_,
        "own_code": [(ct * 1000 / requests_, nc / requests_, where) for ct, nc, where in own_code],
        "wall_ms": wall,
        "profiled_ms": total * 1000 / requests_,
        "inclusive": inclusive,
        "groups": {k: v * 1000 / requests_ for k, v in sorted(groups.items(), key=lambda kv: -kv[1])},
        "top": [(tt * 1000 / requests_, nc / requests_, where) for tt, nc, where in top],
    }


def measure_in_client(instance: Instance, profile: int, only: str = "") -> list[Page]:
    from kringwerk.extensions import db

    app = in_process_app(instance)
    # The app logs to stderr as in production (unscoped reads, ...): keep paying for the
    # records, but write them to the instance's folder instead of the report.
    log = (instance.folder / "client.log").open("a")
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(log)
    pages = find_pages(app, instance)
    words = [word.strip() for word in only.split(",") if word.strip()]
    if words:
        pages = [page for page in pages if any(word in page.label for word in words)]
        if not pages:
            raise SystemExit(f"no page label has any of {words}")
    clients = {
        "board": sign_in_client(app, BOARD),
        "mkb_board": sign_in_client(app, MKB_BOARD),
        "anonymous": app.test_client(),
    }
    with app.app_context():
        engine = db.engine
    keep = app.config["KEEP_PAGE_DATA"]
    for page in pages:
        client = clients[page.who]
        assert client.get(page.url).status_code == 200, (page.url, page.who)
        with count_statements(engine) as counter:
            client.get(page.url)
        page.statements = counter["n"]
        page.client_ms = time_requests(client, page.url, repeat=20)
        app.config["KEEP_PAGE_DATA"] = False
        with count_statements(engine) as counter:
            client.get(page.url)
        page.statements_unkept = counter["n"]
        page.client_ms_unkept = time_requests(client, page.url, repeat=20)
        app.config["KEEP_PAGE_DATA"] = keep
        if profile:
            page.profile = profile_page(client, page.url, profile)
    with app.app_context():
        db.engine.dispose()
    return pages


# --- under gunicorn, with wrk ----------------------------------------------------------------


def start_gunicorn(app_spec: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2", GUNICORN_THREADS="1")
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", app_spec],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=30)
            return process
        except (requests.ConnectionError, requests.Timeout):
            if process.poll() is not None:
                raise SystemExit(f"gunicorn {app_spec} stopped; see {log}") from None
            time.sleep(0.3)
    stop_gunicorn(process)
    raise SystemExit(f"gunicorn {app_spec} did not answer; see {log}")


def stop_gunicorn(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def worker_rss_mb(master: subprocess.Popen) -> list[float]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, seconds: int, cookie: str | None) -> dict:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * _UNITS[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "bad": int(bad.group(1)) if bad else 0,
        "errors": errors.group(1) if errors else "",
    }


def measure_http(instance: Instance, pages: list[Page], seconds: int) -> dict:
    web, bare_port = int(instance.env["BASE_URL"].rsplit(":", 1)[1]), free_port()
    logs = instance.folder
    app = start_gunicorn("kringwerk:create_app()", web, instance.env, logs / "web.log")
    try:
        bare = start_gunicorn("bench.bare_app:app", bare_port, instance.env, logs / "bare.log")
    except BaseException:
        stop_gunicorn(app)
        raise
    try:
        base = instance.env["BASE_URL"]
        cookies = {
            "board": sign_in_http(base, BOARD),
            "mkb_board": sign_in_http(base, MKB_BOARD),
            "anonymous": None,
        }
        for page in pages:  # every page answers 200 (not a redirect to the sign-in page)
            headers = {"Cookie": cookies[page.who]} if cookies[page.who] else {}
            status = requests.get(
                base + page.url, headers=headers, allow_redirects=False, timeout=30
            ).status_code
            if status != 200:
                raise SystemExit(f"{page.url} answered {status} over HTTP")
        for page in pages:  # warm-up: every worker has rendered every template once
            wrk(base + page.url, 1, cookies[page.who])
        stamp_before = data_stamp(instance)
        # The bare page runs between every two pages and each page's ratio uses the bare runs
        # on either side of it: on a shared machine the load drifts within a run.
        bare_url = f"http://127.0.0.1:{bare_port}/"
        bares = [wrk(bare_url, seconds, None)]
        results = {}
        for page in pages:
            results[page.url] = wrk(base + page.url, seconds, cookies[page.who])
            bares.append(wrk(bare_url, seconds, None))
            results[page.url]["bare_rps"] = (bares[-2]["rps"] + bares[-1]["rps"]) / 2
        rss = worker_rss_mb(app)
        stamp_kept = data_stamp(instance) == stamp_before
    finally:
        stop_gunicorn(app)
        stop_gunicorn(bare)
    return {"bare": bares, "pages": results, "rss": rss, "stamp_kept": stamp_kept}


def data_stamp(instance: Instance) -> str:
    """The data stamp (``tenancy.cache``): unchanged across the run means no request wrote,
    so every worker served what it kept after its first request of each page."""
    from sqlalchemy import create_engine, text

    engine = create_engine(instance.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT value FROM cache_stamps WHERE id = 2")).scalar()
    finally:
        engine.dispose()


# --- the report ------------------------------------------------------------------------------

TARGET = {"tenant home": 0.4, "answer page (personal link)": 0.4, "public event page (signed out)": 0.4}


def print_report(instance: Instance, pages: list[Page], http: dict) -> None:
    bares = http["bare"]
    rates = sorted(b["rps"] for b in bares)
    print(f"\n{instance.name}: wrk, {CONNECTIONS} connections, gunicorn with 2 sync workers")
    print(
        f"  bare Flask page, run between every two pages: {rates[0]:.0f} to {rates[-1]:.0f} req/s "
        f"(median {rates[len(rates) // 2]:.0f}; p50 {bares[0]['p50']:.1f} ms, p99 {bares[0]['p99']:.1f} ms "
        "in the first run); each ratio uses the bare runs either side of the page"
    )
    kept = instance.env.get("KEEP_PAGE_DATA", "1") != "0"
    print(
        "  data kept per process (KEEP_PAGE_DATA): "
        + (
            "on; the data stamp "
            + ("stayed the same" if http["stamp_kept"] else "CHANGED")
            + " during the run"
            if kept
            else "off"
        )
    )
    header = (
        f"  {'page':38} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'ratio':>6} {'target':>6} {'SQL':>4} {'client':>7}"
        f" {'unkept: SQL':>11} {'client':>7}"
    )
    print(header)
    for page in pages:
        r = http["pages"][page.url]
        target = TARGET.get(page.label, 0.2)
        ratio = r["rps"] / r["bare_rps"]
        misses = [what for what, ok in (("ratio", ratio >= target), ("p99", r["p99"] < 100)) if not ok]
        flag = f"  (misses: {', '.join(misses)})" if misses else ""
        if r["bad"] or r["errors"]:
            flag += f"  non-2xx: {r['bad']} {r['errors']}"
        print(
            f"  {page.label:38} {r['rps']:7.0f} {r['p50']:7.1f} {r['p99']:7.1f} {ratio:6.3f} "
            f"{target:6.1f} {page.statements:4d} {page.client_ms:5.1f}ms"
            f" {page.statements_unkept:11d} {page.client_ms_unkept:5.1f}ms{flag}"
        )
    rss = ", ".join(f"{mb:.0f} MB" for mb in http["rss"])
    print(f"  worker memory (RSS) after the run: {rss}")
    print(
        "  SQL: statements per request through SQLAlchemy (besides the stamp read every request"
        " makes with the driver alone); client: median time in the test client (no HTTP, no profiler);"
        " unkept: the same without the data kept per process (what the first request after a write"
        f" costs); the bare page there: {baseline_ms(20):.2f} ms"
    )


def print_profiles(instance: Instance, pages: list[Page]) -> None:
    print(f"\n{instance.name}: where the time goes (cProfile in the test client, ms per request)")
    for page in pages:
        p = page.profile
        print(
            f"\n  {page.label} — {p['wall_ms']:.1f} ms per request under the profiler "
            f"({p['profiled_ms']:.1f} ms of profiled functions), {page.statements} statements"
            + (f", {p['round_trips']:.0f} round trips to PostgreSQL" if p["round_trips"] else "")
        )
        print(
            "    inclusive: " + "; ".join(f"{k} {ms:.1f} ({n:.0f}x)" for k, (ms, n) in p["inclusive"].items())
        )
        print("    own time:  " + "; ".join(f"{k} {ms:.1f}" for k, ms in p["groups"].items() if ms >= 0.05))
        print("    top own:   " + "; ".join(f"{where} {ms:.2f} ({n:.0f}x)" for ms, n, where in p["top"][:6]))
        print(
            "    app code:  "
            + "; ".join(f"{where} {ms:.1f} ({n:.0f}x)" for ms, n, where in p["own_code"][:6])
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seconds", type=int, default=5, help="wrk run per page (default 5)")
    parser.add_argument(
        "--profile", type=int, nargs="?", const=30, default=0, help="profile N requests per page"
    )
    parser.add_argument(
        "--unkept",
        action="store_true",
        help="serve with KEEP_PAGE_DATA=0: every request builds what pages derive from data",
    )
    parser.add_argument(
        "--pages", default="", help="comma-separated words: only the pages whose label has one"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: make system-deps (or apt-get install wrk)")
    makers = {"sqlite": sqlite_instance, "postgresql": postgres_instance}
    chosen = list(makers) if args.database == "both" else [args.database]
    for name in chosen:
        instance = makers[name](free_port())
        if args.unkept:
            instance.env["KEEP_PAGE_DATA"] = "0"
        try:
            pages = measure_in_client(instance, args.profile, args.pages)
            http = measure_http(instance, pages, args.seconds)
            print_report(instance, pages, http)
            if args.profile:
                print_profiles(instance, pages)
        finally:
            for stop in instance.stop:
                stop()
            shutil.rmtree(instance.folder, ignore_errors=True)


if __name__ == "__main__":
    main()
