"""Which language a page is in: the user's preference, then the visitor's
switch, then the tenant's default, then Accept-Language, then Dutch. The
switch is a plain form (no JavaScript) and remembers the choice on the
account of a signed-in user."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext

from kringwerk.accounts.models import User
from kringwerk.extensions import db
from tests.web.conftest import page


@pytest.fixture
def app_config(app_config):
    """The product's own last resort, Dutch (the suite's base config says English)."""
    return {**app_config, "BABEL_DEFAULT_LOCALE": "nl"}


@pytest.fixture
def world(world):
    """Both tenants with the default a new tenant gets, Dutch (the suite's are English)."""
    for side in (world.a, world.b):
        side.tenant.default_locale = "nl"
    db.session.commit()
    return world


@pytest.fixture
def client(app):
    """A browser that names no language (the suite's client asks for English)."""
    client = app.test_client()
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE", None)
    return client


def lang(client, path="/", **headers) -> str:
    return page(client.get(path, headers=headers)).lang


def switch(client, language, next_url="/"):
    return client.post("/language", data={"language": language, "next": next_url})


def set_tenant_default(tenant, language):
    tenant.default_locale = language
    db.session.commit()


def set_preference(user, language):
    user.preferred_locale = language
    db.session.commit()


def test_dutch_when_nothing_else_is_known(client, world):
    assert lang(client, "/") == "nl"
    assert lang(client, "/kring-a/") == "nl"


def test_accept_language_when_no_choice_and_no_tenant(client, world):
    assert lang(client, "/", **{"Accept-Language": "en-GB,en;q=0.9"}) == "en"
    assert lang(client, "/", **{"Accept-Language": "de-DE,en;q=0.5,nl;q=0.8"}) == "nl"
    # A language the platform does not offer falls through to Dutch.
    assert lang(client, "/", **{"Accept-Language": "de-DE"}) == "nl"


def test_tenant_default_beats_accept_language(client, world):
    set_tenant_default(world.a.tenant, "en")
    assert lang(client, "/kring-a/", **{"Accept-Language": "nl"}) == "en"
    # Only on that tenant's pages: tenant B and the platform pages follow the browser.
    assert lang(client, "/kring-b/", **{"Accept-Language": "nl"}) == "nl"
    assert lang(client, "/", **{"Accept-Language": "nl"}) == "nl"


def test_visitors_switch_beats_tenant_default_and_browser(client, world):
    set_tenant_default(world.a.tenant, "en")
    response = switch(client, "nl", "/kring-a/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/kring-a/"
    assert lang(client, "/kring-a/", **{"Accept-Language": "en"}) == "nl"
    switch(client, "en")
    assert lang(client, "/", **{"Accept-Language": "nl"}) == "en"


def test_users_preference_beats_everything(client, world, login_as):
    set_tenant_default(world.a.tenant, "nl")
    set_preference(world.a.member, "en")
    switch(client, "nl")  # chosen as a visitor, before signing in
    login_as(world.a.member)
    assert lang(client, "/kring-a/", **{"Accept-Language": "nl"}) == "en"
    assert lang(client, "/", **{"Accept-Language": "nl"}) == "en"


def test_unsupported_preference_falls_through(client, world, login_as):
    set_preference(world.a.member, "de")
    set_tenant_default(world.a.tenant, "en")
    login_as(world.a.member)
    assert lang(client, "/kring-a/") == "en"


def test_switch_stores_the_choice_on_the_signed_in_user(client, world, login_as):
    login_as(world.a.admin)
    assert switch(client, "en", "/kring-a/").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world.a.admin.id).preferred_locale == "en"
    # ... so it follows the user to a new session (another browser).
    client.post("/account/logout")
    client.delete_cookie("kringwerk_session")
    login_as(world.a.admin)
    assert lang(client, "/kring-a/", **{"Accept-Language": "nl"}) == "en"
    # Other users are untouched.
    assert db.session.get(User, world.b.admin.id).preferred_locale is None


def test_switch_as_visitor_changes_no_account(client, world):
    switch(client, "en")
    db.session.expire_all()
    assert db.session.query(User).filter(User.preferred_locale.is_not(None)).count() == 0


def test_switch_refuses_unknown_language_and_foreign_redirects(client, world):
    response = switch(client, "xx", "/kring-a/")
    assert response.status_code == 302
    assert lang(client, "/", **{"Accept-Language": "en"}) == "en"  # nothing stored: the browser decides
    assert switch(client, "en", "https://evil.example/").headers["Location"] == "/"
    assert switch(client, "en", "//evil.example/").headers["Location"] == "/"


def test_the_switch_is_a_plain_form_that_returns_to_the_page(client, world):
    """Works without JavaScript: submit the header form as a browser would."""
    html = page(client.get("/kring-a/?x=1"))
    forms = html.find("form", action="/language")
    assert forms and forms[0]["method"] == "post"
    buttons = html.find("button", name="language")
    assert {b["value"] for b in buttons} == {"nl", "en"}
    assert {b["lang"] for b in buttons} == {"nl", "en"}, "each language is named in itself"
    assert [b["value"] for b in buttons if "aria-current" in b] == ["nl"]
    next_url = html.find("input", name="next")[0]["value"]
    assert next_url == "/kring-a/?x=1"
    response = client.post("/language", data={"language": "en", "next": next_url})
    assert response.headers["Location"] == "/kring-a/?x=1"
    english = page(client.get("/kring-a/?x=1"))
    assert [b["value"] for b in english.find("button", name="language") if "aria-current" in b] == ["en"]


def test_page_text_and_html_lang_follow_the_language(app, client, world):
    with app.test_request_context(), force_locale("nl"):
        dutch_skip = gettext("Skip to content")
    assert dutch_skip != "Skip to content"
    dutch = page(client.get("/"))
    assert dutch.lang == "nl" and dutch_skip in dutch.text
    switch(client, "en")
    english = page(client.get("/"))
    assert english.lang == "en" and "Skip to content" in english.text and dutch_skip not in english.text
