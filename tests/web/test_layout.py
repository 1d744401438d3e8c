"""The page shell (templates/base.html): landmarks, skip link, the tenant's
name, colour and logo, navigation, user menu and flash messages."""

from __future__ import annotations

import re

from flask import flash, redirect

from kringwerk.extensions import db
from kringwerk.web.theme import AA_TEXT, PAGE_BACKGROUND, contrast, tenant_css
from tests.web.conftest import page


def nav_labels(html) -> list[str]:
    """Labels of the main navigation, read from the raw page."""
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S)
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav.group(0)) if nav else []


def test_landmarks_and_skip_link(client, world, login_as):
    login_as(world.a.member)
    response = client.get("/kring-a/")
    html = response.get_data(as_text=True)
    shell = page(response)
    for tag in ("header", "nav", "main", "footer"):
        assert shell.find(tag), tag
    assert shell.find("main", id="main", tabindex="-1")
    assert shell.find("nav", aria_label="Main navigation") or shell.find("nav", class_="main-nav")
    # The skip link is the first link on the page and points at <main>.
    first_link = next(attrs for tag, attrs in shell.elements if tag in ("a", "button", "input", "select"))
    assert first_link.get("class") == "skip-link" and first_link.get("href") == "#main"
    assert html.index('class="skip-link"') < html.index("<header")


def test_tenant_name_colour_and_logo(client, world):
    tenant = world.a.tenant
    tenant.brand_colour = "#7a1f5c"
    tenant.logo_filename = "logo.png"
    db.session.commit()
    response = client.get("/kring-a/")
    shell = page(response)
    assert re.search(r"<title>[^<]*Kring A[^<]*</title>", response.get_data(as_text=True))
    assert shell.find("a", class_="brand", href="/kring-a/")
    assert shell.find("link", rel="stylesheet", href="/kring-a/theme.css")
    assert shell.find("img", src="/kring-a/logo", alt="")
    css = client.get("/kring-a/theme.css")
    assert css.mimetype == "text/css"
    assert "--brand: #7a1f5c;" in css.get_data(as_text=True)
    # Tenant B keeps its own colour and has no logo.
    assert "#7a1f5c" not in client.get("/kring-b/theme.css").get_data(as_text=True)
    assert not page(client.get("/kring-b/")).find("img", src="/kring-b/logo")
    assert client.get("/no-such-tenant/theme.css").status_code == 404


def test_platform_pages_have_no_tenant_stylesheet(client):
    shell = page(client.get("/"))
    assert not [link for link in shell.find("link") if link.get("href", "").endswith("theme.css")]
    assert "Kringwerk" in shell.text


def test_theme_css_keeps_text_readable_for_any_colour(client, world):
    for colour in ("#ffeb3b", "#ffffff", "#000000", "#808080", "#1f5f8b"):
        variables = dict(
            line.strip().rstrip(";").split(": ")
            for line in tenant_css(colour).splitlines()
            if line.strip().startswith("--")
        )
        assert contrast(variables["--brand"], variables["--on-brand"]) >= AA_TEXT, colour
        assert contrast(variables["--brand-text"], PAGE_BACKGROUND) >= AA_TEXT, colour
        assert contrast(variables["--brand-text"], "#ffffff") >= AA_TEXT, colour
    # Whatever is in the database, only a colour reaches the stylesheet.
    world.a.tenant.brand_colour = "red;}body{x"
    db.session.commit()
    css = client.get("/kring-a/theme.css").get_data(as_text=True)
    assert "body" not in css and "--brand: #1f5f8b;" in css


def test_navigation_for_members_by_role(client, world, login_as):
    login_as(world.a.member)
    member_nav = nav_labels(client.get("/kring-a/").get_data(as_text=True))
    assert "Dashboard" in member_nav and "Members" in member_nav
    assert "Administration" not in member_nav
    client.post("/account/logout")
    login_as(world.a.facilitator)
    assert "Administration" in nav_labels(client.get("/kring-a/").get_data(as_text=True))


def test_navigation_marks_the_current_page(client, world, login_as):
    login_as(world.a.admin)
    shell = page(client.get("/kring-a/admin/"))
    current = shell.find("a", aria_current="page")
    assert [a["href"] for a in current] == ["/kring-a/admin/"]
    home = page(client.get("/kring-a/"))
    assert [a["href"] for a in home.find("a", aria_current="page")] == ["/kring-a/"]


def test_no_navigation_for_visitors_and_other_tenants(client, world, login_as):
    assert nav_labels(client.get("/kring-a/").get_data(as_text=True)) == []
    login_as(world.b.admin)
    assert nav_labels(client.get("/kring-a/").get_data(as_text=True)) == []
    assert "Dashboard" in nav_labels(client.get("/kring-b/").get_data(as_text=True))


def test_navigation_skips_an_item_whose_view_does_not_exist(client, world, login_as, monkeypatch):
    from kringwerk.pluginhost import NavItem
    from kringwerk.web import hooks

    monkeypatch.setattr(hooks, "NAV_ITEMS", (*hooks.NAV_ITEMS, NavItem("Ghost", "ghost.index", order=5)))
    login_as(world.a.member)
    response = client.get("/kring-a/")
    assert response.status_code == 200
    assert "Ghost" not in nav_labels(response.get_data(as_text=True))


def test_responsive_navigation_toggle_is_progressive(client, world, login_as):
    login_as(world.a.member)
    shell = page(client.get("/kring-a/"))
    toggle = shell.find("button", class_="nav-toggle")
    # Hidden until the script shows it, so without JavaScript the links just stack.
    assert toggle and "hidden" in toggle[0] and toggle[0]["aria-controls"] == "main-nav"
    assert shell.find("nav", id="main-nav")
    css = client.get("/static/css/kringwerk.css").get_data(as_text=True)
    assert "@media (max-width: 48rem)" in css and ".js .main-nav:not(.is-open)" in css


def test_user_menu_for_signed_in_users(client, world, login_as):
    visitor = page(client.get("/kring-a/"))
    assert visitor.find("a", class_="sign-in-link", href="/account/login?next=/kring-a/")
    assert not visitor.find("details", class_="user-menu")
    login_as(world.a.member)
    shell = page(client.get("/kring-a/"))
    assert shell.find("details", class_="user-menu")
    assert world.a.member.name in shell.text
    assert shell.find("a", href="/account/")
    assert shell.find("form", action="/account/logout", method="post")
    assert not shell.find("a", href="/operator/")
    client.post("/account/logout")
    login_as(world.operator)
    assert page(client.get("/")).find("a", href="/operator/")


def test_flash_messages_use_status_and_alert_roles(app, client, world, login_as):
    def flashing(category):
        flash(f"a {category} message", category)
        return redirect("/")

    app.add_url_rule("/_test/flash/<category>", "test_flash", flashing)
    for category, role in (
        ("info", "status"),
        ("success", "status"),
        ("error", "alert"),
        ("warning", "alert"),
    ):
        client.get(f"/_test/flash/{category}")
        shell = page(client.get("/"))
        messages = shell.find("p", class_="flash")
        assert len(messages) == 1 and messages[0]["role"] == role, category
        assert f"a {category} message" in shell.text
    # Shown once only.
    assert not page(client.get("/")).find("p", class_="flash")
    # The sign-out message arrives the same way.
    login_as(world.a.member)
    client.post("/account/logout")
    assert page(client.get("/")).find("p", class_="flash", role="status")
