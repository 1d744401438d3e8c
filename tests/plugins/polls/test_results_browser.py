"""The results page in a real Chromium: opening a match's disclosure loads its
companies and follow-up button with htmx 4, in place, without console errors or
CSP violations; tenant B's board sees none of tenant A's results.

A module-scoped live server with its own database, as in test_respond_browser.py.
"""

from __future__ import annotations

import shutil
import threading
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from kringwerk import create_app
from kringwerk.extensions import db
from kringwerk.members.models import Company
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from tests.conftest import World, _make_side, base_config
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_results import THEMES, add_response, items
from tests.support.browser import axe_violations, open_tab

pytestmark = pytest.mark.browser

INTERESTED = ("Alpha Bouw BV", "Bakkerij Berends", "Chemie Colmschate")


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    folder = tmp_path_factory.mktemp("polls-results-live")
    database = folder / "kringwerk.db"
    shutil.copyfile(sqlite_template, database)
    app = create_app(base_config(folder, f"sqlite:///{database}", WTF_CSRF_ENABLED=True), environ={})
    with app.app_context():
        a = _make_side("kring-a", "Kring A", World.password)
        b = _make_side("kring-b", "Kring B", World.password)
        for side in (a, b):
            enable_plugin(side.tenant, "polls")
        enable_plugin(a.tenant, "dummy")  # offers a follow-up for every match
        db.session.commit()
        poll_id = make_poll(a.tenant)
        make_poll(b.tenant, title="Poll of tenant B")
        with tenant_scope(a.tenant):
            companies = [Company(name=name) for name in (*INTERESTED, "Drukkerij De Wit")]
            db.session.add_all(companies)
            db.session.flush()
            company_ids = [company.id for company in companies]
        db.session.commit()
        for company_id, levels in zip(company_ids, ([2, 0, 0], [1, 0, 0], [1, 0, 0], [0, 0, 0]), strict=True):
            add_response(a.tenant, poll_id, {THEMES: levels}, company_id=company_id)
        theme_id = items(a.tenant, poll_id)[THEMES]["theme_ids"][0]
        emails = {"a": a.admin.email, "b": b.admin.email}
        db.session.remove()
        db.engine.dispose()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", poll_id, theme_id, emails
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def tab(browser, server):
    url, *_ = server
    tab, context = open_tab(browser, SimpleNamespace(url=url))  # open_tab needs only the url
    yield tab
    context.close()


def test_opening_a_match_loads_its_companies_and_followup_in_place(tab, server):
    _url, poll_id, theme_id, emails = server
    tab.sign_in(emails["a"])
    tab.goto(f"/kring-a/polls/{poll_id}/results")
    detail = tab.page.locator(f"#match-detail-{theme_id}")
    expect(detail).to_be_hidden()  # closed disclosure
    tab.page.evaluate("window.__sameDocument = true")
    with tab.page.expect_response(lambda r: f"/results/themes/{theme_id}" in r.url and r.status == 200):
        tab.page.locator(f"details:has(#match-detail-{theme_id}) > summary").click()
    for name in INTERESTED:
        expect(detail).to_contain_text(name)
    expect(detail).not_to_contain_text("Drukkerij De Wit")  # not interested
    expect(detail.locator("button", has_text="dummy follow-up")).to_be_visible()
    assert tab.page.evaluate("window.__sameDocument") is True  # loaded in place, no navigation
    tab.assert_clean()


def test_tenant_b_board_does_not_reach_tenant_a_results(tab, server):
    _url, poll_id, theme_id, emails = server
    tab.sign_in(emails["b"])
    tab.expect_error("status of 403")
    tab.expect_error("status of 404")
    for path in (f"/kring-a/polls/{poll_id}/results", f"/kring-b/polls/{poll_id}/results/themes/{theme_id}"):
        assert tab.goto(path).status in (403, 404)
    tab.assert_clean()


def test_results_tables_scroll_by_keyboard_and_fit_at_1280_px(browser, server):
    """Every results table sits in a focusable, labelled region that scrolls; nothing is
    cut off at 1280 px and axe finds no serious problem (scrollable-region-focusable)."""
    url, poll_id, _theme_id, emails = server
    tab, context = open_tab(
        browser, SimpleNamespace(url=url), bypass_csp=True, viewport={"width": 1280, "height": 900}
    )
    try:
        tab.sign_in(emails["a"])
        tab.goto(f"/kring-a/polls/{poll_id}/results")
        regions = tab.page.locator(".table-wrap")
        assert regions.count() >= 2
        for index in range(regions.count()):
            region = regions.nth(index)
            assert region.get_attribute("tabindex") == "0"
            assert region.get_attribute("role") == "region"
            assert region.get_attribute("aria-label")
        # Nothing sticks out of the page at 1280 px: the tables scroll inside their region.
        assert tab.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert axe_violations(tab) == []
        tab.assert_clean()
    finally:
        context.close()
