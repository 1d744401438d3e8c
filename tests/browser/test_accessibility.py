"""axe-core on every main page of the core and of every plugin, in Dutch and in English, on
the demo data: no serious or critical violation.

The main pages are found, not listed: every GET route of ``app.url_map`` that takes no
argument but the tenant (the index pages: members, admin, networks and letters, billing,
each plugin's home and lists) as a board member of a tenant with every plugin (IKL) or of
the regional network (Cleantech Regio); the operator console as the operator; the pages
for visitors (sign-in, the landing page, the magic link and reset forms); and the
personal-link pages the demo prints (answering a poll, MKB-toets feedback, signing a
letter). A new index page is checked without editing this file. Pages that answer no HTML
(a CSV, a stylesheet) are left out; the test asserts that the walk found pages of every
plugin. The board member of IKL opening a page of another association (Assen) gets a 404.

One live server for the module, on a copy of the schema with the demo loaded and billing
on (Stripe's keys set; the pages make no call to Stripe while rendering).
"""

from __future__ import annotations

import shutil
import threading
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from kringwerk import create_app
from kringwerk.demo.data import DEMO_PASSWORD
from kringwerk.extensions import db
from tests.conftest import base_config
from tests.support.browser import axe_violations, open_tab

pytestmark = pytest.mark.browser

# Board members: of IKL (polls, events, masterplan) and Cleantech Regio (a network), then of
# MKB Lelystad (the MKB-toets) for the pages the first could not open.
BOARDS = (
    ("bestuur@kringwerk.demo", ("ikl", "cleantech-regio")),
    ("bestuur.mkblv@kringwerk.demo", ("mkb-lv",)),
)
OPERATOR = "operator@kringwerk.demo"
DOWNLOADS = (".ics", ".csv", ".css", ".pdf", ".xlsx", ".docx", ".json", ".txt", ".zip")
VISITOR_PAGES = ("/", "/account/login", "/account/magic", "/account/reset")
PLUGINS = ("polls", "events", "mkb_toets", "masterplan")
# Billing on, with a default plan that holds every plugin, so the demo's pages stay open.
EVERY_PLUGIN = ["polls", "events", "mkb-toets", "masterplan"]
PLANS = {
    "currency": "eur",
    "default_plan": "basis",
    "plans": [
        {"key": "basis", "name": "Basis", "price_month": 0, "price_year": 0, "plugins": EVERY_PLUGIN},
        {"key": "pro", "name": "Pro", "price_month": "12.50", "price_year": 125, "plugins": EVERY_PLUGIN},
    ],
}
CORE = ("members", "accounts", "web", "networks", "billing", "operator", "tenants", "panel", "audit")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory, sqlite_template):
    folder = tmp_path_factory.mktemp("accessibility-live")
    database = folder / "kringwerk.db"
    shutil.copyfile(sqlite_template, database)
    config = base_config(
        folder,
        f"sqlite:///{database}",
        WTF_CSRF_ENABLED=True,
        BABEL_DEFAULT_LOCALE="nl",
        EXTRA_PLUGINS=(),
        STRIPE_SECRET_KEY="sk_test_accessibility",
        STRIPE_WEBHOOK_SECRET="whsec_accessibility",
        STRIPE_API_BASE="http://127.0.0.1:9",  # nothing answers: a call would fail the page
        BILLING_PLANS=PLANS,
    )
    app = create_app(config, environ={})
    with app.app_context():
        from kringwerk.demo.services import load_demo

        result = load_demo()
        links = sorted(
            {
                urlsplit(url).path
                for _label, url in result.links
                if url.startswith("http") and not urlsplit(url).path.endswith(DOWNLOADS)
            }
        )
        db.session.remove()
        db.engine.dispose()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{httpd.server_port}", app=app, links=links)
    httpd.shutdown()
    thread.join(timeout=10)


def index_rules(app) -> list:
    """GET routes of the tenant (no argument but ``tenant``) and of the console (none)."""
    rules = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        if rule.rule.rsplit("/", 1)[-1].endswith(DOWNLOADS):
            continue  # a file, not a page (the browser would download it)
        if rule.arguments == {"tenant"} or rule.rule.startswith("/operator") and not rule.arguments:
            rules.append(rule)
    return rules


def sign_in(tab, email: str, language: str) -> None:
    tab.sign_in(email, DEMO_PASSWORD)
    choose(tab, language)


def choose(tab, language: str) -> None:
    """The language switch in the page header (a signed-in person's choice is kept on the account)."""
    button = tab.page.locator(f"form.language-switch button[value={language}]")
    if tab.page.locator("html").get_attribute("lang") != language:
        with tab.page.expect_navigation():
            button.click()
    assert tab.page.locator("html").get_attribute("lang") == language


def check(tab, path: str, language: str, found: dict, checked: list) -> None:
    response = tab.goto(path)
    if (
        response is None
        or response.status != 200
        or "text/html" not in response.headers.get("content-type", "")
    ):
        return
    assert tab.page.locator("html").get_attribute("lang") == language, path
    checked.append(path)
    if problems := axe_violations(tab):
        found[path] = problems


@pytest.mark.parametrize("language", ["nl", "en"])
def test_axe_finds_no_serious_problem_on_any_main_page(browser, demo_server, language):
    app = demo_server.app
    found: dict[str, list[str]] = {}
    checked: list[str] = []
    endpoints: set[str] = set()
    rules = index_rules(app)

    tab, context = open_tab(browser, demo_server, locale="nl-NL", bypass_csp=True)
    try:
        for path in VISITOR_PAGES:
            if tab.page.url == "about:blank":
                tab.goto(path)
                choose(tab, language)
            check(tab, path, language, found, checked)
        for path in demo_server.links:
            check(tab, path, language, found, checked)
    finally:
        context.close()

    for email, slugs in BOARDS:
        tab, context = open_tab(browser, demo_server, locale="nl-NL", bypass_csp=True)
        try:
            sign_in(tab, email, language)
            for rule in (r for r in rules if "tenant" in r.arguments and r.endpoint not in endpoints):
                for slug in slugs:  # the first tenant that has the page
                    before = len(checked)
                    check(tab, rule.rule.replace("<tenant>", slug), language, found, checked)
                    if len(checked) > before:
                        endpoints.add(rule.endpoint)
                        break
            assert tab.goto("/ondernemend-assen/admin/").status == 404, "another association's admin home"
        finally:
            context.close()

    tab, context = open_tab(browser, demo_server, locale="nl-NL", bypass_csp=True)
    try:
        sign_in(tab, OPERATOR, language)
        for rule in (r for r in rules if "tenant" not in r.arguments):
            before = len(checked)
            check(tab, rule.rule, language, found, checked)
            if len(checked) > before:
                endpoints.add(rule.endpoint)
    finally:
        context.close()

    print(f"axe checked {len(checked)} pages in {language}")
    for part in (*PLUGINS, *CORE):
        assert any(endpoint.split(".")[0].startswith(part) for endpoint in endpoints), f"no page of {part}"
    assert any("/a/" in path or "/join/" in path or "/sign/" in path for path in checked), "no personal link"
    report = "\n".join(f"{path}:\n  " + "\n  ".join(problems) for path, problems in sorted(found.items()))
    assert not found, f"serious or critical accessibility problems ({language}):\n{report}"
