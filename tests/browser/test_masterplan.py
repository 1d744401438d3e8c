"""The masterplan pages in a real Chromium with htmx 4 and CSRF on: a board member adds a
wish in place on a theme and proposes a project on the plan, then edits the project in
place (the form replaces the details and saving brings them back, no navigation); no
console errors or CSP violations. axe finds no serious or critical problem on the plan,
theme, project and goal pages, with the in-place forms open, in Dutch and in English.
Tenant B's board member reaches none of tenant A's plan.

A module-scoped live server with its own database, as the plugins' browser tests do.
"""

from __future__ import annotations

import shutil
import threading
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select
from werkzeug.serving import make_server

from kringwerk import create_app
from kringwerk.extensions import db
from kringwerk.members.models import Company, ContactPerson, Theme
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import goals, plans, projects
from plugins.masterplan.models import Item, Masterplan, Project
from tests.conftest import World, _make_side, base_config
from tests.support.browser import axe_violations, open_tab

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    folder = tmp_path_factory.mktemp("masterplan-live")
    database = folder / "kringwerk.db"
    shutil.copyfile(sqlite_template, database)
    app = create_app(
        base_config(folder, f"sqlite:///{database}", WTF_CSRF_ENABLED=True, BABEL_DEFAULT_LOCALE="nl"),
        environ={},
    )
    with app.app_context():
        a = _make_side("kring-a", "Kring A", World.password)
        b = _make_side("kring-b", "Kring B", World.password)
        a.tenant.default_locale = "nl"  # Dutch first, as a new tenant; the switch gives English
        for side in (a, b):
            enable_plugin(side.tenant, "masterplan")
        db.session.commit()
        with tenant_scope(a.tenant):
            company = Company(name="Alpha Bouw BV")
            company.contacts.append(ContactPerson(name="Anna de Vries", email="anna@alpha.test"))
            db.session.add(company)
            db.session.flush()
            plan = Masterplan(title="Masterplan Noord", ambition="Een toekomstbestendig terrein.")
            db.session.add(plan)
            db.session.flush()
            themes = list(db.session.scalars(select(Theme).order_by(Theme.position, Theme.id)))
            plans.add_item(plan, "challenge", themes[0].id, "Netcongestie op het terrein", actor=a.member)
            project = projects.create_project(
                plan,
                {
                    "title": "Collectieve zonnepanelen",
                    "theme_id": str(themes[0].id),
                    "owner_company_id": str(company.id),
                    "owner_contact_id": str(company.contacts[0].id),
                    "budget": "12500",
                    "funding": "subsidy",
                    "funding_name": "SDE++",
                    "status": "planned",
                    "starts_on": "2026-03-01",
                    "ends_on": "2027-03-01",
                    "milestones": [("Aanbesteding", "2026-06-01")],
                },
                actor=a.admin,
            )
            goal = goals.create_goal(
                plan,
                {
                    "title": "Nieuwe business cases per jaar",
                    "theme_id": str(themes[0].id),
                    "unit": "cases",
                    "baseline": "60",
                    "target": "100",
                    "deadline": "2027-12-31",
                },
                actor=a.admin,
            )
            for day, value in (("2025-01-01", "60"), ("2026-01-01", "75")):
                goals.add_measurement(goal, {"measured_on": day, "value": value}, actor=a.admin)
            db.session.commit()
            info = SimpleNamespace(
                plan=plan.id, theme=themes[0].id, project=project.id, goal=goal.id, tenant=a.tenant.id
            )
        with tenant_scope(b.tenant):
            db.session.add(Masterplan(title="Masterplan of tenant B"))
            db.session.commit()
        info.admin, info.b_admin = a.admin.email, b.admin.email
        db.session.remove()
        db.engine.dispose()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{httpd.server_port}", app=app, info=info)
    httpd.shutdown()
    thread.join(timeout=10)


def _in_tenant_a(server, query):
    with server.app.app_context():
        from kringwerk.tenancy.models import Tenant

        with tenant_scope(db.session.get(Tenant, server.info.tenant)):
            return query()


@pytest.fixture
def tab(browser, server):
    tab, context = open_tab(browser, server, locale="nl-NL")
    yield tab
    context.close()


def test_a_board_member_adds_a_wish_and_a_project(tab, server):
    info = server.info
    tab.sign_in(info.admin)
    tab.goto(f"/kring-a/masterplan/{info.plan}/")
    with tab.page.expect_navigation():
        tab.page.locator(f"a[href='/kring-a/masterplan/{info.plan}/themes/{info.theme}']").click()
    # The wish is added in place: the list is swapped, the page stays.
    tab.page.evaluate("window.__sameDocument = true")
    add = tab.page.locator("#items form[hx-post$='/items']")
    add.locator("select[name='item-kind']").select_option("wish")
    add.locator("textarea[name='item-text']").fill("Laadpalen bij de kantine")
    with tab.page.expect_response(
        lambda r: r.url.endswith(f"/themes/{info.theme}/items") and r.status == 200
    ):
        add.locator("button[type=submit]").click()
    expect(tab.page.locator("#items")).to_contain_text("Laadpalen bij de kantine")
    assert tab.page.evaluate("window.__sameDocument") is True
    assert _in_tenant_a(server, lambda: db.session.scalar(select(func.count(Item.id)))) == 2

    # The project is proposed from the theme (the theme chosen already) on a page of its own.
    with tab.page.expect_navigation():
        tab.page.locator(f"a[href$='/projects/new?theme={info.theme}']").click()
    assert tab.page.locator("select[name=theme_id]").input_value() == str(info.theme)
    tab.page.fill("input[name=title]", "Deelauto's voor het terrein")
    tab.page.fill("input[name=starts_on]", "2026-09-01")
    tab.page.fill("textarea[name=milestones]", "2026-10-01 Aftrap")
    with tab.page.expect_navigation():
        tab.page.locator("main form button[type=submit]").click()
    expect(tab.page.locator("main h1")).to_have_text("Deelauto's voor het terrein")
    expect(tab.page.locator(".flash--success")).to_be_visible()

    # Edited in place: the form takes the details' place, saving brings them back.
    tab.page.evaluate("window.__sameDocument = true")
    tab.page.locator("#project-details a[hx-get$='/edit']").click()
    title = tab.page.locator("#project-details input[name=title]")
    expect(title).to_be_focused()
    title.fill("Deelauto's en deelfietsen")
    tab.page.fill("#project-details textarea[name=milestones]", "2026-08-01 Te vroeg")
    tab.expect_error("status of 422")  # Chromium logs every refused request, this one on purpose
    tab.page.locator("#project-details button[type=submit]").click()
    error = tab.page.locator("#project-details #milestones-error")
    expect(error).to_be_visible()  # a milestone before the start: the message beside the field
    tab.page.fill("#project-details textarea[name=milestones]", "2026-10-01 Aftrap")
    tab.page.locator("#project-details button[type=submit]").click()
    expect(tab.page.locator("#project-details h1")).to_have_text("Deelauto's en deelfietsen")
    expect(tab.page.locator("#project-details [role=status]")).to_be_visible()
    assert tab.page.evaluate("window.__sameDocument") is True
    titles = _in_tenant_a(server, lambda: sorted(db.session.scalars(select(Project.title))))
    assert titles == ["Collectieve zonnepanelen", "Deelauto's en deelfietsen"]
    tab.assert_clean()


def test_tenant_b_does_not_reach_the_plan(tab, server):
    info = server.info
    tab.sign_in(info.b_admin)
    tab.expect_error("404")
    for path in (
        f"/kring-a/masterplan/{info.plan}/",
        f"/kring-b/masterplan/{info.plan}/",
        f"/kring-b/masterplan/{info.plan}/projects/{info.project}/edit",
        f"/kring-b/masterplan/{info.plan}/goals/{info.goal}",
    ):
        assert tab.goto(path).status == 404, path
    tab.goto("/kring-b/masterplan/")
    expect(tab.page.locator("main")).not_to_contain_text("Masterplan Noord")
    tab.assert_clean()


@pytest.fixture
def axe_tab(browser, server):
    """axe-core is injected as an inline script, which the CSP blocks: this context bypasses it."""
    tab, context = open_tab(browser, server, locale="nl-NL", bypass_csp=True)
    yield tab
    context.close()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_axe_finds_no_serious_problem_on_the_plan_pages(axe_tab, server, language):
    info = server.info
    axe_tab.sign_in(info.admin)
    axe_tab.goto("/kring-a/")
    if language == "en":
        with axe_tab.page.expect_navigation():
            axe_tab.page.click("form.language-switch button[value=en]")
    plan = f"/kring-a/masterplan/{info.plan}"
    problems = {}
    for path in (
        "/kring-a/masterplan/",
        f"{plan}/",
        f"{plan}/themes/{info.theme}",
        f"{plan}/projects/{info.project}",
        f"{plan}/projects/{info.project}/edit",
        f"{plan}/goals/{info.goal}",
        f"{plan}/goals/{info.goal}/edit",
    ):
        assert axe_tab.goto(path).status == 200, path
        assert axe_tab.page.locator("html").get_attribute("lang") == language
        if found := axe_violations(axe_tab):
            problems[path] = found
    # The in-place editors, opened on the project's and the goal's page.
    for path, details in (
        (f"{plan}/projects/{info.project}", "#project-details"),
        (f"{plan}/goals/{info.goal}", "#goal-details"),
    ):
        axe_tab.goto(path)
        axe_tab.page.locator(f"{details} a[hx-get$='/edit']").click()
        expect(axe_tab.page.locator(f"{details} form")).to_be_visible()
        if found := axe_violations(axe_tab):
            problems[f"{path} (editing in place)"] = found
    assert problems == {}
