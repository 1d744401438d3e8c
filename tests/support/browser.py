"""A live Kringwerk server and a real Chromium for the browser tests (shared by
every test directory through ``pytest_plugins`` in tests/conftest.py).

The server is werkzeug's, in a thread, on a free port, serving an app built
with the suite's ``base_config`` on a file SQLite database copied from the
schema template, with CSRF switched on and Dutch first (as in production:
the tenants' default language and the last resort are Dutch, and the browser
asks for Dutch). It holds the same people as the ``world`` fixture (two
tenants, four roles each, an operator and an outsider) and the dummy plugin
enabled in tenant A. It is shared by the module's tests, which therefore do
not change its data, except for what they put back. ``LiveServer.dutch(text)``
is the Dutch the server shows for ``text``, from the real catalogs.

Chromium is Debian's /usr/bin/chromium driven by Playwright (never
``playwright install``: that downloads a browser). Each test gets a fresh
browser context (no shared cookies) whose page records console errors and
Content-Security-Policy violations; ``Tab.assert_clean()`` fails on any.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from werkzeug.serving import make_server

from kringwerk import create_app
from kringwerk.extensions import db
from tests.conftest import World, _make_side, base_config

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"

# Recorded in every page before its own scripts run (init scripts are not subject to the CSP).
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@dataclass
class LiveServer:
    url: str
    app: Flask
    emails: dict[str, str]
    password: str = World.password

    def dutch(self, text: str) -> str:
        """``text`` as the server shows it in Dutch; fails if the catalog has no Dutch for it."""
        with self.app.test_request_context(), force_locale("nl"):
            translated = gettext(text)
        assert translated != text, f"no Dutch for {text!r}"
        return translated


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, sqlite_template):
    folder = tmp_path_factory.mktemp("live-server")
    database = folder / "kringwerk.db"
    shutil.copyfile(sqlite_template, database)
    config = base_config(folder, f"sqlite:///{database}", WTF_CSRF_ENABLED=True, BABEL_DEFAULT_LOCALE="nl")
    app = create_app(config, environ={})
    with app.app_context():
        from kringwerk.accounts.services import create_user
        from kringwerk.pluginhost.services import enable_plugin

        a = _make_side("kring-a", "Kring A", World.password)
        b = _make_side("kring-b", "Kring B", World.password)
        for tenant in (a.tenant, b.tenant):
            tenant.default_locale = "nl"  # what a new tenant gets (the world fixture's speak English)
        create_user("operator@kringwerk.example.com", "Operator", password=World.password, is_operator=True)
        create_user("outsider@example.com", "Outsider", password=World.password)
        enable_plugin(a.tenant, "dummy", actor=a.admin)
        db.session.commit()
        emails = {
            "a.admin": a.admin.email,
            "a.member": a.member.email,
            "b.admin": b.admin.email,
        }
        db.session.remove()
        db.engine.dispose()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="kringwerk-live-server", daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, emails=emails)
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class Tab:
    """A page in a fresh browser context, with what went wrong on it."""

    page: object
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    expected_errors: list[str] = field(default_factory=list)

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.__cspViolations || []")

    def expect_error(self, fragment: str) -> None:
        """A console error the test causes on purpose (a 404 page logs its own status)."""
        self.expected_errors.append(fragment)

    def assert_clean(self) -> None:
        unexpected = [e for e in self.console_errors if not any(f in e for f in self.expected_errors)]
        assert unexpected == [], unexpected
        assert self.csp_violations() == []

    def sign_in(self, email: str, password: str = World.password) -> None:
        self.goto("/account/login")
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.click("main form button[type=submit]")


def open_tab(browser, live_server, **context_options) -> tuple[Tab, object]:
    context = browser.new_context(base_url=live_server.url, **context_options)
    context.add_init_script(script=RECORD_CSP_VIOLATIONS)
    page = context.new_page()
    tab = Tab(page=page, base_url=live_server.url)
    page.on("console", lambda message: message.type == "error" and tab.console_errors.append(message.text))
    page.on("pageerror", lambda error: tab.console_errors.append(f"uncaught: {error}"))
    return tab, context


@pytest.fixture
def tab(browser, live_server):
    tab, context = open_tab(browser, live_server, locale="nl-NL")
    yield tab
    context.close()


@pytest.fixture
def axe_tab(browser, live_server):
    """A page where axe-core can be injected: Playwright adds it as an inline
    script, which our CSP (rightly) blocks, so this context bypasses the CSP."""
    tab, context = open_tab(browser, live_server, locale="nl-NL", bypass_csp=True)
    yield tab
    context.close()


def axe_violations(tab: Tab, impacts=("serious", "critical")) -> list[str]:
    tab.page.add_script_tag(path=str(AXE))
    result = tab.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in impacts
    ]
