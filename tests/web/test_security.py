"""Security of the shell: headers on every response, templates the CSP would
not break, and session cookie flags. CSRF: test_csrf.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kringwerk import create_app
from kringwerk.config import PROJECT_ROOT
from kringwerk.web.security import CONTENT_SECURITY_POLICY
from tests.conftest import base_config

EXPECTED_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


# --- headers ----------------------------------------------------------------------------


def test_csp_allows_scripts_and_styles_from_this_site_only():
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY


def test_every_response_has_the_security_headers(client, world, login_as, failing_routes):
    anonymous = ["/", "/account/login", "/kring-a/", "/kring-a/theme.css", "/nope/", "/healthz"]
    signed_in = ["/kring-a/", "/kring-a/admin/", "/kring-b/", "/_test/crash", "/static/css/kringwerk.css"]
    responses = [client.get(path) for path in anonymous]
    responses.append(client.get("/_test/abort/403", headers={"HX-Request": "true"}))
    login_as(world.a.admin)
    responses += [client.get(path) for path in signed_in]
    for response in responses:
        for name, value in EXPECTED_HEADERS.items():
            assert response.headers.get(name) == value, (response.request.path, name)
        assert "Strict-Transport-Security" not in response.headers  # plain http in tests
    assert any(r.mimetype == "text/html" and r.status_code == 200 for r in responses)


def test_https_adds_hsts(tmp_path, database_url):
    app = create_app(base_config(tmp_path, database_url, BASE_URL="https://kring.example.nl"), environ={})
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


# --- templates the CSP would break -------------------------------------------------------

JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
ATTRIBUTE = re.compile(r"(?:^|\s)([^\s=\"'/>]+)\s*(?:=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")


def csp_violations(source: str) -> list[str]:
    """What in a template the CSP would block (or that the house rules forbid)."""
    # Jinja code becomes blanks: `{% if a > b %}` would otherwise end a tag early,
    # and `{{ x }}` inside an attribute value is data, not markup.
    markup = JINJA.sub(lambda m: " " * len(m.group(0)), source)
    found = []
    for match in TAG.finditer(markup):
        tag, attributes = match.group(1).lower(), match.group(2)
        names = {}
        for attribute in ATTRIBUTE.finditer(attributes):
            names[attribute.group(1).lower()] = (attribute.group(2) or "").strip("\"'")
        if tag == "script" and "src" not in names:
            found.append("inline <script> without src")
        for name, value in names.items():
            if name.startswith(("hx-on", "data-hx-on")):
                found.append(f"{name} attribute (use a script file)")
            elif re.fullmatch(r"on[a-z]+", name):
                found.append(f"{name}= event handler")
            elif name == "style":
                found.append('style="" attribute (use a class)')
            elif name in ("href", "src", "action", "formaction") and value.lower().startswith("javascript:"):
                found.append(f"javascript: URL in {name}")
    return found


def template_files() -> list[Path]:
    roots = [PROJECT_ROOT / "templates", *sorted((PROJECT_ROOT / "plugins").glob("*/templates"))]
    files = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in (".html", ".htm", ".xml", ".svg", ".j2", ".jinja"):
                if (root / "emails") in path.parents:
                    continue  # e-mails are read in mail clients, not under our CSP
                files.append(path)
    return files


def test_the_scanner_catches_what_the_csp_blocks():
    assert csp_violations("<script>alert(1)</script>") == ["inline <script> without src"]
    assert csp_violations('<script src="/static/x.js" defer></script>') == []
    assert csp_violations('<button hx-on:click="go()">') == ["hx-on:click attribute (use a script file)"]
    assert csp_violations('<div hx-on::after-request="x">')
    assert csp_violations("<a onclick='x()' href=\"#\">") == ["onclick= event handler"]
    assert csp_violations('<img src="a.png" ONERROR=x>') == ["onerror= event handler"]
    assert csp_violations('<p style="color: red">') == ['style="" attribute (use a class)']
    assert csp_violations('<a href="javascript:void(0)">') == ["javascript: URL in href"]
    # Jinja inside and around tags is not mistaken for markup.
    assert csp_violations('<p {% if a > b %}class="x"{% endif %} data-online="1">{{ "<script>" }}</p>') == []
    assert csp_violations('<button name="online" hx-post="/x" hx-headers:inherited=\'{"a": 1}\'>') == []
    assert csp_violations("{# <script>old()</script> #}") == []


def test_no_template_has_inline_scripts_handlers_or_styles():
    files = template_files()
    assert any(path.name == "base.html" for path in files)
    assert any("plugins" in path.parts for path in files), "plugin templates are scanned too"
    problems = [
        f"{path.relative_to(PROJECT_ROOT)}: {problem}"
        for path in files
        for problem in csp_violations(path.read_text(encoding="utf-8"))
    ]
    assert problems == []


# --- cookies -------------------------------------------------------------------------------


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("kringwerk_session=")]
    assert cookies, "the page sets the session cookie"
    return cookies[0]


def test_session_cookie_is_httponly_and_samesite_lax(client):
    cookie = session_cookie(client.get("/"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in development


@pytest.mark.parametrize("how", ["environment", "override"])
def test_session_cookie_is_secure_when_base_url_is_https(tmp_path, database_url, how):
    config = base_config(tmp_path, database_url)
    environ = {}
    if how == "environment":
        del config["BASE_URL"]
        environ["BASE_URL"] = "https://kring.example.nl"
    else:
        config["BASE_URL"] = "https://kring.example.nl"
    app = create_app(config, environ=environ)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    cookie = session_cookie(app.test_client().get("/", base_url="https://kring.example.nl"))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_downloads_static_files_the_webhook_and_refusals_have_the_security_headers(
    app, client, world, login_as
):
    """The answers that do not come from a page template: a stored file, a core and a plugin
    static file, Stripe's webhook, a body too large (413) and a rate-limited request (429)."""
    from kringwerk.documents.services import store_upload
    from kringwerk.extensions import db
    from kringwerk.pluginhost.services import enable_plugin
    from kringwerk.tenancy import tenant_scope
    from tests.documents.support import pdf_bytes, upload

    enable_plugin(world.a.tenant, "polls")
    with tenant_scope(world.a.tenant):
        stored = store_upload(upload(pdf_bytes(), "verslag.pdf"), uploaded_by=world.a.admin)
        db.session.commit()
        download = f"/kring-a/files/{stored.id}/verslag.pdf"
    app.config["RATELIMIT_ENABLED"] = True
    app.extensions["kringwerk.ratelimit"].enabled = True
    login_as(world.a.admin)
    responses = {
        "download": client.get(download),
        "other tenant's download": client.get(download.replace("kring-a", "kring-b")),
        "core static": client.get("/static/css/kringwerk.css"),
        "plugin static": client.get("/kring-a/polls/static/polls.css"),
        "webhook": client.post("/stripe/webhook", data=b"{}", content_type="application/json"),
        "413": client.post("/kring-a/admin/people/invite", data={"email": "x" * (2 * 1024 * 1024)}),
    }
    for _ in range(400):
        limited = client.post("/stripe/webhook", data=b"{}", content_type="application/json")
        if limited.status_code == 429:
            break
    responses["429"] = limited
    assert responses["download"].status_code == 200
    assert responses["download"].mimetype == "application/pdf"
    assert responses["other tenant's download"].status_code == 404
    assert responses["plugin static"].status_code == 200
    assert responses["413"].status_code == 413
    assert responses["429"].status_code == 429
    for what, response in responses.items():
        for name, value in EXPECTED_HEADERS.items():
            assert response.headers.get(name) == value, (what, name)
