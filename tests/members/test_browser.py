"""The member pages in a real Chromium: the directory filters live with htmx 4
(and pushes the URL), the theme order changes in place, with the CSRF token
sent by htmx; no console errors or CSP violations.

A module-scoped live server with its own database: tenant A with a few
companies, as in the ``members`` fixture.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from kringwerk import create_app
from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark, Circle, Company
from kringwerk.tenancy import tenant_scope
from tests.conftest import World, _make_side, base_config
from tests.support.browser import RECORD_CSP_VIOLATIONS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    folder = tmp_path_factory.mktemp("members-live")
    database = folder / "kringwerk.db"
    shutil.copyfile(sqlite_template, database)
    # CSRF on, as in production: htmx must send the token.
    app = create_app(base_config(folder, f"sqlite:///{database}", WTF_CSRF_ENABLED=True), environ={})
    with app.app_context():
        a = _make_side("kring-a", "Kring A", World.password)
        a.tenant.default_locale = "en"
        with tenant_scope(a.tenant):
            park = BusinessPark(name="Aalsvoort")
            db.session.add_all(
                [
                    Company(
                        name="Alpha Bouw BV",
                        city="Lochem",
                        business_park=park,
                        circles=[Circle(name="Noord")],
                    ),
                    Company(name="Anker Zorg", city="Assen"),
                    Company(name="Bakkerij Brink", city="Lochem"),
                ]
            )
            db.session.commit()
            park_id = park.id  # the commit expired the park: read it again inside the scope
        people = {"member": a.member.email, "admin": a.admin.email, "park": park_id}
        db.session.remove()
        db.engine.dispose()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", people
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def chromium(browser):
    """The session's Chromium (tests/support/browser.py): one Playwright per process."""
    return browser


@pytest.fixture
def page(chromium, server):
    url, _people = server
    context = chromium.new_context(base_url=url)
    context.add_init_script(script=RECORD_CSP_VIOLATIONS)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def sign_in(page, email: str) -> None:
    page.goto("/account/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", World.password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def listed(page) -> list[str]:
    return page.locator("#directory-results tbody td:first-child a").all_inner_texts()


def assert_clean(page) -> None:
    assert page.console_errors == []
    assert page.evaluate("window.__cspViolations") == []


def test_directory_filters_live_and_pushes_the_url(page, server):
    _url, people = server
    sign_in(page, people["member"])
    page.goto("/kring-a/members/")
    assert listed(page) == ["Alpha Bouw BV", "Anker Zorg", "Bakkerij Brink"]
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    with page.expect_response(lambda response: "q=anker" in response.url):
        page.fill("input[name=q]", "anker")
    rows = page.locator("#directory-results tbody tr")
    expect(rows).to_have_count(1)
    assert listed(page) == ["Anker Zorg"]
    assert "q=anker" in page.url
    # Choosing from a select filters too, without typing anything.
    page.fill("input[name=q]", "")
    expect(rows).to_have_count(3)
    page.select_option("select[name=park]", str(people["park"]))
    expect(rows).to_have_count(1)
    assert listed(page) == ["Alpha Bouw BV"]
    assert f"park={people['park']}" in page.url
    assert page.evaluate("window.__sameDocument") is True, "filtered in place, no page load"
    assert page.locator("form.filters").count() == 1, "no page nested in the page"
    assert_clean(page)


def test_theme_moves_in_place_with_the_csrf_token(page, server):
    _url, people = server
    sign_in(page, people["admin"])
    page.goto("/kring-a/members/themes/")
    keys = page.locator("#theme-list code")
    first, second = keys.all_inner_texts()[:2]
    page.evaluate("window.__sameDocument = true")
    with page.expect_response(lambda response: response.url.endswith("/move")) as answer:
        page.locator("#theme-list tbody tr").first.locator("button", has_text="Down").click()
    assert answer.value.status == 200  # 400 if htmx had not sent the CSRF token
    expect(keys.first).to_have_text(second)
    assert keys.all_inner_texts()[:2] == [second, first]
    assert page.evaluate("window.__sameDocument") is True
    # Put it back for the other tests of this module.
    with page.expect_response(lambda response: response.url.endswith("/move")):
        page.locator("#theme-list tbody tr").nth(1).locator("button", has_text="Up").click()
    expect(keys.first).to_have_text(first)
    assert_clean(page)


AXE = Path(__file__).resolve().parents[1] / "support" / "vendor" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize(
    ("path", "user"),
    [
        ("/kring-a/members/?q=a", "member"),
        ("/kring-a/members/?q=niets", "member"),
        ("/kring-a/members/companies/new", "admin"),
        ("/kring-a/members/themes/", "admin"),
        ("/kring-a/members/import", "admin"),
        ("/kring-a/admin/people/", "admin"),  # label-content-name-mismatch on the row links
        ("/kring-a/", "admin"),  # the home: what waits, recent activity, the module cards
    ],
)
def test_no_serious_accessibility_violations(chromium, server, path, user):
    if not AXE.exists():
        pytest.skip("axe-core is not vendored")
    url, people = server
    # Playwright injects axe as an inline script, which the CSP blocks; bypass it here only.
    context = chromium.new_context(base_url=url, bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, people[user])
        page.goto(path)
        if path.endswith("/new"):
            # The form with errors: messages tied to their fields.
            with page.expect_navigation():
                page.click("main form button[type=submit]")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [
            f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], path
    finally:
        context.close()
