"""The shell in a real browser: sign in through the form, the dashboard, the
language switch, htmx loaded and sending the CSRF token, htmx errors landing
in the alert region, keyboard access, the folding navigation, and axe-core's
accessibility checks; no console errors or CSP violations anywhere."""

from __future__ import annotations

import pytest

from tests.support.browser import axe_violations

pytestmark = pytest.mark.browser


def test_sign_in_and_see_the_dashboard(tab, live_server):
    tab.sign_in(live_server.emails["a.member"])
    # After signing in: the landing page lists the organisations.
    organisations = tab.page.locator("ul.organisations a")
    assert organisations.all_inner_texts() == ["Kring A"]
    with tab.page.expect_navigation():
        organisations.first.click()
    assert tab.page.url == f"{live_server.url}/kring-a/"
    assert tab.page.locator("h1").inner_text() == "Kring A"
    card = tab.page.locator("section.card[data-plugin=dummy]")
    assert card.locator("h3").inner_text() == "Dummy card"
    assert tab.page.locator("nav.main-nav a[href='/kring-a/dummy/']").count() == 1
    assert tab.page.evaluate("typeof window.htmx") == "object"
    assert tab.page.evaluate("document.documentElement.classList.contains('js')")
    tab.assert_clean()


def test_switch_language(tab, live_server):
    tab.goto("/kring-a/")
    html = tab.page.locator("html")
    assert html.get_attribute("lang") == "nl"
    dutch_sign_in = live_server.dutch("Sign in")
    assert tab.page.locator("a.sign-in-link").inner_text() == dutch_sign_in
    with tab.page.expect_navigation():
        tab.page.click("form.language-switch button[value=en]")
    assert tab.page.url == f"{live_server.url}/kring-a/", "the switch returns to the same page"
    assert html.get_attribute("lang") == "en"
    assert tab.page.locator("a.sign-in-link").inner_text() == "Sign in"
    assert tab.page.locator("form.language-switch button[aria-current=true]").inner_text() == "English"
    with tab.page.expect_navigation():
        tab.page.click("form.language-switch button[value=nl]")
    assert html.get_attribute("lang") == "nl"
    tab.assert_clean()


def test_htmx_sends_the_csrf_token(tab, live_server):
    tab.goto("/")
    assert tab.page.locator("html").get_attribute("lang") == "nl"
    # A POST through htmx carries X-CSRFToken from hx-headers:inherited on <body>;
    # without it the CSRF check (on here, as in production) would answer 400.
    status = tab.page.evaluate(
        """() => new Promise((resolve) => {
             document.body.addEventListener("htmx:after:request",
               (event) => resolve(event.detail.ctx.response.status), {once: true});
             htmx.ajax("POST", "/language", {target: "#htmx-alerts", swap: "none",
                                             values: {language: "en", next: "/healthz"}});
           })"""
    )
    assert status == 200  # the redirect to /healthz, followed
    tab.page.reload()
    assert tab.page.locator("html").get_attribute("lang") == "en"
    tab.assert_clean()


def test_htmx_error_lands_in_the_alert_region(tab, live_server):
    tab.sign_in(live_server.emails["a.member"])
    tab.goto("/kring-a/")
    heading = tab.page.locator("main h1").inner_text()
    # A member may not open the admin home: 403, answered as a fragment for htmx.
    tab.page.evaluate("htmx.ajax('GET', '/kring-a/admin/', {target: 'main h1', swap: 'outerHTML'})")
    alert = tab.page.locator("#htmx-alerts [role=alert]")
    alert.wait_for()
    assert live_server.dutch("No access") in alert.inner_text()
    assert tab.page.locator("main h1").inner_text() == heading, "the content being worked on stays"
    assert tab.page.locator("main header, main main").count() == 0, "no page nested in the page"
    tab.expect_error("403")
    tab.assert_clean()


def test_the_skip_link_comes_first_and_moves_to_the_content(tab, live_server):
    tab.sign_in(live_server.emails["a.member"])
    tab.goto("/kring-a/")
    tab.page.keyboard.press("Tab")
    focused = tab.page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    assert tab.page.locator(".skip-link").is_visible(), "visible when focused"
    tab.page.keyboard.press("Enter")
    assert tab.page.url.endswith("#main")
    assert tab.page.evaluate("document.activeElement.id") == "main"
    tab.assert_clean()


def test_navigation_folds_behind_a_button_on_small_screens(tab, live_server):
    tab.page.set_viewport_size({"width": 375, "height": 740})
    tab.sign_in(live_server.emails["a.admin"])
    tab.goto("/kring-a/")
    toggle = tab.page.locator("button.nav-toggle")
    nav = tab.page.locator("#main-nav")
    assert toggle.is_visible() and not nav.is_visible()
    toggle.click()
    assert nav.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    assert not nav.is_visible()
    tab.page.set_viewport_size({"width": 1200, "height": 800})
    assert nav.is_visible() and not toggle.is_visible()
    tab.assert_clean()


def test_user_menu_opens_and_signs_out(tab, live_server):
    tab.sign_in(live_server.emails["a.member"])
    tab.goto("/kring-a/")
    menu = tab.page.locator("details.user-menu")
    menu.locator("summary").click()
    sign_out = menu.locator("button[type=submit]")
    assert sign_out.is_visible()
    tab.page.keyboard.press("Escape")
    assert not sign_out.is_visible()
    menu.locator("summary").click()
    with tab.page.expect_navigation():
        sign_out.click()
    assert tab.page.locator("a.sign-in-link").is_visible()
    assert tab.page.locator(".flash[role=status]").count() == 1
    tab.assert_clean()


@pytest.mark.parametrize(
    ("name", "path", "user"),
    [
        ("login page", "/account/login", None),
        ("landing page", "/", None),
        ("dashboard", "/kring-a/", "a.member"),
        ("admin home", "/kring-a/admin/", "a.admin"),
        ("404 page", "/kring-a/no-such-page", None),
    ],
)
def test_no_serious_accessibility_violations(axe_tab, live_server, name, path, user):
    if user:
        axe_tab.sign_in(live_server.emails[user])
    axe_tab.goto(path)
    assert axe_violations(axe_tab) == [], name


def test_axe_does_find_problems(axe_tab, live_server):
    """The accessibility check is real: a page with a nameless button fails it."""
    axe_tab.goto("/")
    axe_tab.page.evaluate("document.querySelector('main').append(document.createElement('button'))")
    assert any(v.startswith("button-name") for v in axe_violations(axe_tab))
