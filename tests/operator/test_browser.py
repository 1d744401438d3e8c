"""The plugin toggle in a real browser: htmx swaps only the toggle, in place,
with the CSRF token sent, and no console errors or CSP violations."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_toggle_swaps_in_place_with_htmx(tab, live_server):  # noqa: F811
    tab.sign_in("operator@kringwerk.example.com")
    tab.goto("/operator/?q=kring-b")
    with tab.page.expect_navigation():
        tab.page.click("main table a")
    page = tab.page
    detail_url = page.url
    page.evaluate("window.__sameDocument = true")  # gone if the page were reloaded
    toggle = page.locator("#plugin-dummy")
    off = live_server.dutch("Off")  # the live server speaks Dutch, as the browser asks
    assert toggle.locator(".badge").inner_text() == off

    toggle.locator("button[type=submit]").click()
    page.locator("#plugin-dummy .badge--on").wait_for()
    assert page.evaluate("window.__sameDocument") is True
    assert page.url == detail_url
    assert page.locator("#plugin-dummy").count() == 1  # replaced, not nested
    assert page.locator("#plugin-dummy input[name=enabled]").get_attribute("value") == "0"

    # Put the live server's data back as it was.
    page.locator("#plugin-dummy button[type=submit]").click()
    page.locator("#plugin-dummy .badge--on").wait_for(state="detached")
    assert page.evaluate("window.__sameDocument") is True
    page.reload()
    assert page.locator("#plugin-dummy .badge").inner_text() == off
    tab.assert_clean()
