"""The MKB-toets pages in a real Chromium: a panel member gives feedback by personal link
(no account) and htmx saves it in place as they type, with no console errors or CSP
violations; axe finds no serious or critical problem on the dossier, feedback and
published pages. Tenant B's address with A's link finds nothing.

A module-scoped live server with its own database, as the events browser tests do.
"""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from kringwerk import create_app
from kringwerk.accounts.models import Role
from kringwerk.extensions import db
from kringwerk.members.models import Company, ContactPerson
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Tenant
from kringwerk.tokens import services as tokens
from plugins.mkb_toets import advice, phases
from plugins.mkb_toets.models import (
    FEEDBACK_LINK,
    AdvicePoint,
    AdviceVersion,
    Answer,
    Dossier,
    Feedback,
    PanelSeat,
    Phase,
    PhaseChange,
)
from tests.conftest import World, _make_side, base_config
from tests.plugins.mkb_toets.conftest import make_dossier
from tests.support.browser import axe_violations, open_tab

pytestmark = pytest.mark.browser


def _advice(side) -> tuple[int, int, int]:
    """A dossier whose advice is being written (two points, three versions), one whose advice
    was sent, and two answered ones from earlier years, so the scoreboard has figures."""
    writing_id = make_dossier(side.tenant, title="Parkeren bij bedrijven", phase=Phase.ADVICE_WRITING)
    sent_id = make_dossier(side.tenant, title="Afvalinzameling", phase=Phase.ADVICE_WRITING)
    with tenant_scope(side.tenant):
        for dossier_id in (writing_id, sent_id):
            dossier = db.session.get(Dossier, dossier_id)
            first = advice.add_point(
                dossier, "Venstertijden tot 11 uur.", section_id=dossier.sections[0].id, actor=side.admin
            )
            advice.add_point(dossier, "Een ontheffing per bedrijf.", actor=side.admin)
            advice.edit_point(dossier, first.id, "Venstertijden tot 12 uur.", actor=side.admin)
        phases.advance(db.session.get(Dossier, sent_id), Phase.ADVICE_SENT, actor=side.admin, role=Role.ADMIN)
        version_id = db.session.scalar(
            select(AdviceVersion.id).where(AdviceVersion.dossier_id == writing_id, AdviceVersion.number == 1)
        )
        db.session.commit()
    for year, answers in ((2025, ("adopted", "partly")), (2026, ("not_adopted",))):
        dossier_id = make_dossier(side.tenant, title=f"Beleid {year}", phase=Phase.ANSWERED)
        with tenant_scope(side.tenant):
            for number, answer in enumerate(answers, start=1):
                db.session.add(
                    AdvicePoint(
                        dossier_id=dossier_id,
                        number=number,
                        text=f"Punt {number}",
                        answer=Answer(answer),
                        explanation=None if answer == "adopted" else "Uitleg.",
                    )
                )
            for to, day in ((Phase.ADVICE_SENT, 1), (Phase.ANSWERED, 21)):
                db.session.add(
                    PhaseChange(
                        dossier_id=dossier_id, to_phase=to, changed_at=datetime(year, 3, day, 10, tzinfo=UTC)
                    )
                )
            db.session.commit()
    return writing_id, sent_id, version_id


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
        writing_id, sent_id, version_id = _advice(a)
        draft_id = make_dossier(a.tenant, title="Terrassen")
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
            seat_id = seat.id
            db.session.commit()
        info = {
            "open": open_id,
            "published": published_id,
            "token": token,
            "section": section_id,
            "official": a.official.email,
            "admin": a.admin.email,
            "writing": writing_id,
            "sent": sent_id,
            "version": version_id,
            "draft": draft_id,
            "seat": seat_id,
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


def _language(tab, code: str) -> None:
    """Choose the page language with the switch every page has."""
    with tab.page.expect_navigation():
        tab.page.click(f"form.language-switch button[value={code}]")
    assert tab.page.locator("html").get_attribute("lang") == code


@pytest.mark.parametrize("language", ["en", "nl"])
def test_axe_finds_no_serious_problem_on_the_advice_the_versions_and_the_scoreboard(
    browser, server, language
):
    url, info = server
    tab, context = open_tab(browser, SimpleNamespace(url=url), bypass_csp=True)
    base = "/kring-a/mkb-toets"
    try:
        tab.sign_in(info["admin"])
        tab.goto(f"{base}/")
        _language(tab, language)
        for path in (
            f"{base}/{info['writing']}/advice",  # the board edits the points in place
            f"{base}/{info['sent']}/advice",
            f"{base}/{info['writing']}/advice/versions",
            f"{base}/{info['writing']}/advice/versions/{info['version']}",
            f"{base}/scoreboard",
            f"{base}/{info['open']}/seats",
            f"{base}/{info['open']}/seats/{info['seat']}/remove",
            f"{base}/{info['draft']}/attachment",
        ):
            assert tab.goto(path).status == 200, path
            assert tab.page.locator("html").get_attribute("lang") == language
            assert axe_violations(tab) == [], path
        scoreboard = tab.goto(f"{base}/scoreboard")
        assert scoreboard.status == 200 and "2025" in tab.page.content()
        context.close()
        tab, context = open_tab(browser, SimpleNamespace(url=url), bypass_csp=True)
        tab.sign_in(info["official"])
        tab.goto(f"{base}/")
        _language(tab, language)
        for path in (f"{base}/{info['sent']}/advice", f"{base}/scoreboard"):  # the municipality answers
            assert tab.goto(path).status == 200, path
            assert axe_violations(tab) == [], path
    finally:
        context.close()
