"""What every page pays outside its view, kept small (issue 15): the shell's own links built
once per process and tenant (``fixed_url``), the request's catalogs found once for all the
template's ``_()`` (``request_translations``), the security headers in one pass, the
session cookie's serializer built once. Each does exactly what it replaced."""

from __future__ import annotations

import re

import flask_babel
import pytest
from flask import Response, url_for
from flask_babel import force_locale, refresh

from kringwerk.extensions import db
from kringwerk.web import fixed_urls, security, templating
from tests.web.conftest import page

SHELL_ENDPOINTS = ["web.landing", "web.switch_language", "accounts.overview", "accounts.logout"]
TENANT_ENDPOINTS = ["web.tenant_home", "web.tenant_stylesheet", "tenants.logo"]


@pytest.fixture(autouse=True)
def new_process():
    fixed_urls.forget()
    yield
    fixed_urls.forget()


# --- fixed_url ------------------------------------------------------------------------------


def test_fixed_urls_are_url_fors_own_in_each_tenant(app, world):
    for side in (world.a, world.b):
        with app.test_request_context(f"/{side.tenant.slug}/"):
            app.preprocess_request()  # enters the tenant, as a request does
            for endpoint in SHELL_ENDPOINTS + TENANT_ENDPOINTS:
                assert fixed_urls.fixed_url(endpoint) == url_for(endpoint), endpoint
            assert fixed_urls.fixed_url("web.tenant_home") == f"/{side.tenant.slug}/"
    with app.test_request_context("/", base_url="http://localhost/kringwerk/"):
        # Mounted under a prefix: its own URLs, not the ones built for the root.
        assert fixed_urls.fixed_url("web.landing") == "/kringwerk/"
    with app.test_request_context("/"), pytest.raises(ValueError):
        fixed_urls.fixed_url(".landing")


def test_the_shell_builds_its_links_once_per_tenant_not_per_page(client, world, login_as, monkeypatch):
    built = []
    real = fixed_urls.url_for
    monkeypatch.setattr(fixed_urls, "url_for", lambda endpoint: built.append(endpoint) or real(endpoint))
    world.a.tenant.logo_filename = "logo.png"
    world.b.tenant.logo_filename = "logo.png"
    db.session.commit()
    login_as(world.a.admin)
    first = client.get("/kring-a/").get_data(as_text=True)
    client.get("/kring-a/admin/")
    client.get("/kring-a/")
    login_as(world.b.admin)
    other = client.get("/kring-b/").get_data(as_text=True)
    client.get("/kring-b/")
    per_tenant = [e for e in built if e in TENANT_ENDPOINTS]
    assert sorted(per_tenant) == sorted(TENANT_ENDPOINTS * 2)  # once for A, once for B
    assert all(built.count(endpoint) == 2 for endpoint in SHELL_ENDPOINTS), built  # A's and B's
    # Each tenant's page links its own tenant's pages only.
    assert 'href="/kring-a/"' in first and "/kring-b/" not in first
    assert 'href="/kring-b/"' in other and "/kring-a/" not in other
    assert page(client.get("/kring-b/")).find("link", href="/kring-b/theme.css")


# --- the templates' gettext -----------------------------------------------------------------


def test_the_templates_translate_as_flask_babel_does(app):
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        for text in ("Sign out", "Your account", "Skip to content", "No such text in any catalog"):
            assert templating.request_translations().ugettext(text) == flask_babel.gettext(text)
        assert templating.request_translations().ugettext("Sign out") == "Uitloggen"
        with force_locale("en"):
            assert templating.request_translations().ugettext("Sign out") == "Sign out"
        assert templating.request_translations().ugettext("Sign out") == "Uitloggen"
        # refresh() after a language change (the switch does this): the new language at once.
        flask_babel.get_babel().locale_selector = lambda: "en"
        try:
            refresh()
            assert templating.request_translations().ugettext("Sign out") == "Sign out"
        finally:
            flask_babel.get_babel().locale_selector = None
    with app.app_context():  # e-mails rendered by jobs: no request, Flask-Babel's answer
        assert templating.request_translations().ugettext("Sign out") == flask_babel.gettext("Sign out")


def test_a_page_looks_its_catalogs_up_once(client, world, login_as, monkeypatch):
    looked_up = []
    real = templating.get_translations
    monkeypatch.setattr(templating, "get_translations", lambda: looked_up.append(1) or real())
    login_as(world.a.member)
    html = client.get("/kring-a/").get_data(as_text=True)
    assert len(re.findall(r"Sign out|Skip to content|Your account|Powered by Kringwerk", html)) == 4
    assert looked_up == [1]
    looked_up.clear()
    client.get("/kring-b/admin/")  # another tenant's page, refused: the same single lookup
    assert looked_up == [1]


# --- security headers -----------------------------------------------------------------------


def test_a_views_own_security_header_wins_and_none_is_doubled(app, client, world, login_as):
    def framed():
        response = Response("ok")
        response.headers["x-frame-options"] = "SAMEORIGIN"  # any spelling of the name
        response.headers["Cache-Control"] = "public, max-age=60"
        return response

    app.add_url_rule("/_test/framed", "test_framed", framed)
    login_as(world.a.member)
    response = client.get("/_test/framed")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers.getlist("Cache-Control") == ["public, max-age=60"]
    for name, value in security.SECURITY_HEADERS.items():
        if name != "X-Frame-Options":
            assert response.headers.getlist(name) == [value], name
    signed_in = client.get("/kring-a/")
    assert signed_in.headers.getlist("Cache-Control") == ["private, no-store"]
    assert all(len(signed_in.headers.getlist(name)) == 1 for name in security.SECURITY_HEADERS)


# --- the session cookie ---------------------------------------------------------------------


def test_the_session_serializer_is_built_once_and_follows_a_new_secret(
    app, client, world, login_as, monkeypatch
):
    made = []
    real = security.SessionInterface._new_serializer
    monkeypatch.setattr(
        security.SessionInterface,
        "_new_serializer",
        lambda self, app_: made.append(1) or real(self, app_),
    )
    login_as(world.a.member)
    for _ in range(3):
        assert client.get("/kring-a/").status_code == 200
    assert client.get("/kring-b/admin/").status_code in (403, 404)
    assert len(made) == 1
    # A key rotation: the new secret signs, the old one still reads the cookies it signed.
    app.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
    app.secret_key = "a-new-secret-key"
    response = client.get("/kring-a/")
    assert response.status_code == 200 and "Sign out" in response.get_data(as_text=True)
    assert len(made) == 2
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert "Sign out" not in client.get("/kring-a/").get_data(as_text=True)  # old cookie no longer read


# --- Jinja ----------------------------------------------------------------------------------


def test_templates_compile_once_per_process(app):
    """Outside debug mode templates are not checked for changes on each use, and Jinja's
    cache holds every template there is, so none is compiled twice."""
    assert app.debug is False and app.jinja_env.auto_reload is False
    templates = app.jinja_env.list_templates(filter_func=lambda name: name.endswith((".html", ".txt")))
    assert len(templates) < app.jinja_env.cache.capacity
    first = app.jinja_env.get_template("base.html")
    for name in templates:
        app.jinja_env.get_template(name)
    assert app.jinja_env.get_template("base.html") is first


@pytest.fixture
def cookie_reads(monkeypatch):
    """Counts the session cookies read (verified and decoded) by itsdangerous."""
    from itsdangerous import URLSafeTimedSerializer

    reads = []
    real = URLSafeTimedSerializer.loads
    monkeypatch.setattr(
        URLSafeTimedSerializer, "loads", lambda self, *a, **k: reads.append(1) or real(self, *a, **k)
    )
    return reads


def test_a_session_cookie_is_read_once_per_process(app, client, world, login_as, cookie_reads):
    login_as(world.a.member)
    bob = app.test_client()
    bob.post("/account/login", data={"email": world.b.member.email, "password": world.password})
    client.get("/kring-a/"), bob.get("/kring-b/")  # the first pages add the CSRF token: new cookies
    cookie_reads.clear()  # from here on each client sends one cookie, the same each time
    for _ in range(3):
        assert world.a.member.name in client.get("/kring-a/").get_data(as_text=True)
        assert world.b.member.name in bob.get("/kring-b/").get_data(as_text=True)
    assert len(cookie_reads) == 2  # each session's cookie read on its first request, not on each
    # Each request has its own session: a change in one is not seen by the next unless saved.
    assert client.get("/kring-b/admin/").status_code in (403, 404)
    assert world.b.member.name not in client.get("/kring-a/").get_data(as_text=True)


def test_a_kept_cookie_is_still_refused_when_altered_or_expired(app, client, world, login_as, monkeypatch):
    login_as(world.a.member)
    assert "Sign out" in client.get("/kring-a/").get_data(as_text=True)  # read and kept
    name = app.config["SESSION_COOKIE_NAME"]
    genuine = client.get_cookie(name).value
    tampered = genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB")
    client.set_cookie(name, tampered)
    assert "Sign out" not in client.get("/kring-a/").get_data(as_text=True)
    client.set_cookie(name, genuine)
    assert "Sign out" in client.get("/kring-a/").get_data(as_text=True)
    later = security.time.time() + app.permanent_session_lifetime.total_seconds() + 5
    monkeypatch.setattr(security.time, "time", lambda: later)
    assert "Sign out" not in client.get("/kring-a/").get_data(as_text=True)
