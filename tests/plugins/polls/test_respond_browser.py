"""Answering a poll by personal link in a real Chromium: the form autosaves the
draft with htmx 4 (CSRF on, token sent by htmx), a reload finds the draft, the
submission shows the receipt; no console errors or CSP violations. Tenant B's
link under tenant A's address finds nothing.

A module-scoped live server with its own database (both tenants, the polls
plugin on), as in tests/members/test_browser.py.
"""

from __future__ import annotations

import shutil
import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from kringwerk import create_app
from kringwerk.extensions import db
from kringwerk.members.models import Company, ContactPerson
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.polls.models import Poll, PollResponse, ResponseStatus
from tests.conftest import World, _make_side, base_config
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_answering import invite, questions
from tests.support.browser import RECORD_CSP_VIOLATIONS, Tab, axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    folder = tmp_path_factory.mktemp("polls-live")
    database = folder / "kringwerk.db"
    shutil.copyfile(sqlite_template, database)
    app = create_app(base_config(folder, f"sqlite:///{database}", WTF_CSRF_ENABLED=True), environ={})
    with app.app_context():
        sides = [
            _make_side("kring-a", "Kring A", World.password),
            _make_side("kring-b", "Kring B", World.password),
        ]
        links = {}
        for side, email in zip(sides, ("anna@alpha.test", "bram@bravo.test"), strict=True):
            enable_plugin(side.tenant, "polls")
            with tenant_scope(side.tenant):
                company = Company(name=f"Company of {side.tenant.slug}")
                company.contacts.append(ContactPerson(name="Anna", email=email))
                db.session.add(company)
                db.session.flush()
                company_id, contact_id = company.id, company.contacts[0].id
            db.session.commit()
            poll_id = make_poll(side.tenant)
            with tenant_scope(side.tenant):
                db.session.get(Poll, poll_id).language = "en"
                db.session.commit()
            token = invite(side.tenant, poll_id, email, company_id, contact_id)
            links[side.tenant.slug] = (poll_id, token, questions(side.tenant, poll_id))
        db.session.remove()
        db.engine.dispose()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", links, app
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def page(browser, server):
    url, _links, _app = server
    context = browser.new_context(base_url=url)
    context.add_init_script(script=RECORD_CSP_VIOLATIONS)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def assert_clean(page, *expected_statuses: int) -> None:
    """No console errors but the browser's note of an expected status (the 422 of a form with errors)."""
    expected = [f"status of {status}" for status in expected_statuses]
    assert [e for e in page.console_errors if not any(f in e for f in expected)] == []
    assert page.evaluate("window.__cspViolations") == []


def test_answer_by_link_with_autosave_reload_and_receipt(page, server):
    _url, links, app = server
    poll_id, token, q = links["kring-a"]
    link = f"/kring-a/polls/{poll_id}/a/{token}"
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Samenwerken op Aalsvoort")
    # Typing autosaves through htmx: the status line says so, the page stays.
    page.evaluate("window.__sameDocument = true")
    with page.expect_response(lambda r: r.url.endswith("/draft") and r.status == 200):
        page.fill(f"#q{q.short}", "Anna de Vries")
    expect(page.locator("#autosave-status")).to_contain_text("Saved at")
    # Leaving the text field saves once more (change); the radio's save is queued behind it
    # (hx-sync "queue last"; without it htmx dropped this one).
    chosen = f"q{q.single}={q.yes}&"
    with page.expect_response(lambda r: r.url.endswith("/draft") and chosen in (r.request.post_data or "")):
        page.check(f"#q{q.single}-{q.yes}")
    # The note of the question that depends on it follows, swapped out of band.
    expect(page.locator(f"#q{q.long}-condition")).to_contain_text("This applies to your answers.")
    assert page.evaluate("window.__sameDocument") is True
    # A reload finds the draft.
    page.reload()
    expect(page.locator(f"#q{q.short}")).to_have_value("Anna de Vries")
    expect(page.locator(f"#q{q.single}-{q.yes}")).to_be_checked()
    # An invalid submission: the errors at the question and in the summary, the typed values kept.
    page.fill(f"#q{q.number}", "lots")
    with page.expect_navigation():
        page.click("button[name=submit]")
    expect(page.locator(f"#q{q.number}-error")).to_have_text("Enter a whole number between 0 and 500.")
    expect(page.locator(f"#q{q.number}")).to_have_value("lots")
    expect(page.locator(".error-summary")).to_contain_text("Hoeveel parkeerplaatsen")
    # Correct it, answer the rest and submit.
    page.fill(f"#q{q.number}", "25")
    page.check(f"#q{q.multiple}-{q.multiple_options[0]}")
    page.check(f"#q{q.scale5}-4")
    page.check(f"#q{q.scale10}-8")
    for option, rank in zip(q.ranking_options, ("2", "1", "3"), strict=True):
        page.select_option(f"#q{q.ranking}_o{option}", rank)
    for option, points in zip(q.points_options, ("60", "40", "0"), strict=True):
        page.fill(f"#q{q.points}_o{option}", points)
    for option, level in zip(q.theme_options, ("2", "1", "0"), strict=True):
        page.check(f"#q{q.themes}_o{option}-{level}")
    page.fill(f"#q{q.long}", "Samen staan we sterker.")
    # Let the autosaves of the typing finish first: one still under way when the response is
    # in finds the link answered and rightly gets 409, which the console would report.
    page.press(f"#q{q.long}", "Tab")
    page.wait_for_timeout(1000)
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.click("button[name=submit]")
    expect(page.locator(".poll-receipt")).to_contain_text("Thank you! Your response was received.")
    expect(page.locator(".poll-receipt")).to_contain_text("Anna de Vries")
    expect(page.locator(".poll-receipt")).to_contain_text("Willing to take the lead")
    # The link again: still the receipt, and one submitted response.
    page.goto(link)
    expect(page.locator(".poll-receipt")).to_be_visible()
    assert page.locator("button[name=submit]").count() == 0
    assert_clean(page, 422)
    with app.app_context():
        from kringwerk.tenancy.models import Tenant

        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "kring-a"))
        with tenant_scope(tenant):
            statuses = db.session.scalars(select(PollResponse.status)).all()
        db.session.remove()
    assert statuses == [ResponseStatus.SUBMITTED]


def test_tenant_b_link_under_tenant_a_is_a_clear_page(page, server):
    _url, links, _app = server
    poll_id, token, _q = links["kring-b"]
    response = page.goto(f"/kring-a/polls/{poll_id}/a/{token}")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("This link does not work")
    assert_clean(page, 404)  # the browser logs the page's own 404; nothing else may go wrong


def test_answering_page_has_no_serious_accessibility_problems(browser, server):
    url, links, _app = server
    poll_id, token, _q = links["kring-b"]
    # axe is injected as an inline script, which our CSP blocks: this context bypasses the CSP.
    context = browser.new_context(base_url=url, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"/kring-b/polls/{poll_id}/a/{token}")
        page.click("button[name=submit]")  # with errors: the summary and messages are checked too
        page.wait_for_selector(".error-summary")
        assert axe_violations(Tab(page=page, base_url=url)) == []
    finally:
        context.close()
