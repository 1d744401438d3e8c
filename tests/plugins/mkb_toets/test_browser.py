"""The MKB-toets pages in a real Chromium: a panel member gives feedback by personal link
(no account) and htmx saves it in place as they type, with no console errors or CSP
violations; axe finds no serious or critical problem on the dossier, feedback and
published pages. Tenant B's address with A's link finds nothing.

A module-scoped live server with its own database, as the events browser tests do.
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
from kringwerk.members.models import Company, ContactPerson
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Tenant
from kringwerk.tokens import services as tokens
from plugins.mkb_toets.models import FEEDBACK_LINK, Dossier, Feedback, PanelSeat, Phase
from tests.conftest import World, _make_side, base_config
from tests.plugins.mkb_toets.conftest import make_dossier
from tests.support.browser import axe_violations, open_tab

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    folder = tmp_path_factory.mktemp("mkb-live")
    database = folder / "kringwerk.db"
    shutil.copyfile(sqlite_template, database)
    app = create_app(base_config(folder, f"sqlite:///{database}", WTF_CSRF_ENABLED=True), environ={})
    with app.app_context():
        a = _make_side("kring-a", "Kring A", World.password)
        b = _make_side("kring-b", "Kring B", World.password)
        for side in (a, b):
            enable_plugin(side.tenant, "mkb-toets")
        db.session.commit()
        open_id = make_dossier(a.tenant, phase=Phase.CONSULTATION_OPEN)
        published_id = make_dossier(a.tenant, title="Reclamebeleid", phase=Phase.PUBLISHED)
        with tenant_scope(a.tenant):
            company = Company(name="Bakkerij Berends")
            company.contacts.append(ContactPerson(name="Bert Berends", email="bert@berends.test"))
            db.session.add(company)
            db.session.flush()
            seat = PanelSeat(dossier_id=open_id, contact_person_id=company.contacts[0].id)
            db.session.add(seat)
            db.session.flush()
            token = tokens.issue(FEEDBACK_LINK, seat.id)
            section_id = db.session.get(Dossier, open_id).sections[0].id
            db.session.commit()
        info = {
            "open": open_id,
            "published": published_id,
            "token": token,
            "section": section_id,
            "official": a.official.email,
            "tenant_id": a.tenant.id,
            "app": app,
        }
        db.session.remove()
        db.engine.dispose()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", info
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def tab(browser, server):
    url, _info = server
    tab, context = open_tab(browser, SimpleNamespace(url=url))
    yield tab
    context.close()


def test_a_panel_member_gives_feedback_by_link_saved_in_place(tab, server):
    _url, info = server
    tab.goto(f"/kring-a/mkb-toets/feedback/{info['token']}")
    tab.page.evaluate("window.__sameDocument = true")
    section = tab.page.locator(f"#section-{info['section']}")
    save = f"/feedback/{info['token']}/section/{info['section']}"
    with tab.page.expect_response(lambda r: save in r.url and r.status == 200):
        section.get_by_label("Workable with changes").check()
    with tab.page.expect_response(lambda r: save in r.url and r.status == 200):
        section.get_by_label("Hours per year").fill("40")
    expect(section.locator(f"#status-{info['section']}")).to_contain_text("Saved at")
    with tab.page.expect_response(lambda r: save in r.url and r.status == 422):
        section.get_by_label("Euros per year").fill("-5")
    expect(section.locator(f"#status-{info['section']}")).to_contain_text("cannot be negative")
    assert tab.page.evaluate("window.__sameDocument") is True
    tab.expect_error("status of 422")
    tab.assert_clean()
    with info["app"].app_context(), tenant_scope(db.session.get(Tenant, info["tenant_id"])):
        rows = db.session.scalars(select(Feedback)).all()
        assert [(row.verdict.value, row.hours_yearly, row.euros_yearly) for row in rows] == [
            ("with_changes", 40, None)
        ]
        db.session.remove()


def test_tenant_b_does_not_open_a_link_of_a(tab, server):
    _url, info = server
    tab.expect_error("status of 404")
    assert tab.goto(f"/kring-b/mkb-toets/feedback/{info['token']}").status == 404
    tab.assert_clean()


def test_axe_finds_no_serious_problem_on_the_dossier_feedback_and_published_pages(browser, server):
    url, info = server
    tab, context = open_tab(browser, SimpleNamespace(url=url), bypass_csp=True)
    try:
        for path in (
            f"/kring-a/mkb-toets/feedback/{info['token']}",
            f"/kring-a/mkb-toets/published/{info['published']}",
        ):
            assert tab.goto(path).status == 200
            assert axe_violations(tab) == [], path
        tab.sign_in(info["official"])
        for path in ("/kring-a/mkb-toets/", f"/kring-a/mkb-toets/{info['open']}"):
            assert tab.goto(path).status == 200
            assert axe_violations(tab) == [], path
    finally:
        context.close()
