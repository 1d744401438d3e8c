"""The question editor in a real Chromium with htmx 4 and CSRF on: a question is
added, edited in place and moved without leaving the page; no console errors
or CSP violations. Tenant B's admin finds nothing of tenant A's poll.

A module-scoped live server with its own database (both tenants, the polls
plugin on), as in tests/members/test_browser.py.
"""

from __future__ import annotations

import shutil
import threading
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from kringwerk import create_app
from kringwerk.extensions import db
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.polls.models import PollQuestion, PollState
from tests.conftest import World, _make_side, base_config
from tests.plugins.polls.conftest import make_poll
from tests.support.browser import axe_violations, open_tab

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    folder = tmp_path_factory.mktemp("polls-builder-live")
    database = folder / "kringwerk.db"
    shutil.copyfile(sqlite_template, database)
    app = create_app(base_config(folder, f"sqlite:///{database}", WTF_CSRF_ENABLED=True), environ={})
    with app.app_context():
        a = _make_side("kring-a", "Kring A", World.password)
        b = _make_side("kring-b", "Kring B", World.password)
        for side in (a, b):
            enable_plugin(side.tenant, "polls")
        db.session.commit()
        poll_id = make_poll(a.tenant, state=PollState.DRAFT)
        with tenant_scope(a.tenant):
            ids = list(
                db.session.scalars(
                    select(PollQuestion.id)
                    .where(PollQuestion.poll_id == poll_id)
                    .order_by(PollQuestion.position)
                )
            )
        info = SimpleNamespace(poll_id=poll_id, question_ids=ids, admin=a.admin.email, b_admin=b.admin.email)
        db.session.remove()
        db.engine.dispose()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{httpd.server_port}", app=app, info=info)
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def tab(browser, server):
    tab, context = open_tab(browser, server, locale="en-GB")
    yield tab
    context.close()


def order(server) -> list[int]:
    with server.app.app_context():
        from kringwerk.tenancy.models import Tenant

        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "kring-a"))
        with tenant_scope(tenant):
            ids = list(
                db.session.scalars(
                    select(PollQuestion.id)
                    .where(PollQuestion.poll_id == server.info.poll_id)
                    .order_by(PollQuestion.position)
                )
            )
        db.session.remove()
    return ids


def test_editor_adds_edits_and_moves_in_place(tab, server):
    info = server.info
    tab.sign_in(info.admin)
    editor = f"/kring-a/polls/{info.poll_id}/questions"
    tab.goto(editor)
    page = tab.page
    page.evaluate("window.__sameDocument = true")  # gone after any full navigation

    # Add a question: the list grows, the form empties, the page stays.
    page.select_option("#new-kind", "short_text")
    page.fill("#new-text", "Any remarks?")
    page.click(".poll-add form button[type=submit]")
    expect(page.locator("#question-list > li").last).to_contain_text("Any remarks?")
    expect(page.locator("#new-text")).to_have_value("")
    assert order(server)[-1] not in info.question_ids

    # Edit in place: the item becomes its form, and back after saving.
    second = info.question_ids[1]
    page.click(f"#question-{second} a:text('Edit')")
    expect(page.locator(f"#q{second}-text")).to_be_visible()
    page.fill(f"#q{second}-text", "Are you a member of the association?")
    page.click(f"#question-{second} button[type=submit]")
    expect(page.locator(f"#question-{second}")).to_contain_text("Are you a member of the association?")
    expect(page.locator(f"#q{second}-text")).to_have_count(0)

    # Move the first item down.
    first = info.question_ids[0]
    page.click(f"#question-{first} button:text('Down')")
    expect(page.locator("#question-list > li").nth(1)).to_have_id(f"question-{first}")
    assert order(server)[:2] == [second, first]

    # An invalid question answers 422, swapped in with its message; still the same page.
    page.select_option("#new-kind", "single_choice")
    page.fill("#new-text", "Pick one")
    page.fill("#new-options", "Only one")
    tab.expect_error("422")
    page.click(".poll-add form button[type=submit]")
    expect(page.locator("#new-options-error")).to_contain_text("at least two options")
    assert page.evaluate("window.__sameDocument") is True
    tab.assert_clean()


def test_tenant_b_admin_cannot_open_the_editor(tab, server):
    tab.sign_in(server.info.b_admin)
    tab.expect_error("404")
    response = tab.goto(f"/kring-b/polls/{server.info.poll_id}/questions")
    assert response.status == 404
    response = tab.goto(f"/kring-a/polls/{server.info.poll_id}/questions")
    assert response.status == 404


@pytest.fixture
def axe_tab(browser, server):
    """axe-core is injected as an inline script, which the CSP blocks: this context bypasses it."""
    tab, context = open_tab(browser, server, locale="nl-NL", bypass_csp=True)
    yield tab
    context.close()


BOARD_PAGES = [
    "/kring-a/polls/",
    "/kring-a/polls/new",
    "/kring-a/polls/{poll}/",
    "/kring-a/polls/{poll}/edit",
    "/kring-a/polls/{poll}/questions",
    "/kring-a/polls/{poll}/audience",
    "/kring-a/polls/{poll}/preview",
    "/kring-a/polls/{poll}/close",
    "/kring-a/polls/{poll}/delete",
    "/kring-a/admin/",
    "/kring-a/admin/people/",
    "/kring-a/admin/settings/",
    "/kring-a/members/panel/",
    "/kring-a/admin/audit/",
]


def test_polls_and_admin_pages_have_no_serious_accessibility_problems(axe_tab, server):
    """Every page the board uses to build a poll and run the tenant, in Dutch, checked by axe."""
    axe_tab.sign_in(server.info.admin)
    problems = {}
    for template in BOARD_PAGES:
        path = template.format(poll=server.info.poll_id)
        response = axe_tab.goto(path)
        assert response.status < 400 or response.status == 409, (path, response.status)
        found = axe_violations(axe_tab)
        if found:
            problems[path] = found
    assert problems == {}
