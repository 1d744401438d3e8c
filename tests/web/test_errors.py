"""Error pages: every status has its page in the visitor's language; htmx
requests that swap part of a page get a small alert, retargeted to the
page's alert region; an unexpected exception becomes a 500 page."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext

from kringwerk.web import errors
from tests.web.conftest import page

TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "No access",
    404: "Page not found",
    405: "Not allowed",
    413: "File too large",
    429: "Too many attempts",
    500: "Something went wrong",
}
HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


def dutch(app, text: str) -> str:
    with app.test_request_context(), force_locale("nl"):
        translated = gettext(text)
    assert translated != text, f"no Dutch for {text!r}"
    return translated


@pytest.mark.parametrize("code", sorted(TITLES))
def test_every_error_page_in_english_and_dutch(app, client, failing_routes, code):
    english = client.get(f"/_test/abort/{code}", headers={"Accept-Language": "en"})
    assert english.status_code == code
    english_page = page(english)
    assert english_page.lang == "en"
    assert english_page.find("h1")
    assert TITLES[code] in english_page.text
    assert english_page.find("main", id="main"), "an error page keeps the site's layout"

    dutch_response = client.get(f"/_test/abort/{code}", headers={"Accept-Language": "nl"})
    assert dutch_response.status_code == code
    dutch_page = page(dutch_response)
    assert dutch_page.lang == "nl"
    assert dutch(app, TITLES[code]) in dutch_page.text
    assert TITLES[code] not in dutch_page.text


def test_unknown_tenant_and_unknown_page_are_404(client, dummy_on, login_as):
    assert client.get("/no-such-tenant/").status_code == 404
    assert client.get("/kring-a/no-such-page").status_code == 404
    login_as(dummy_on.a.member)
    response = client.get("/kring-a/dummy/notes/999999")
    assert response.status_code == 404
    # Inside a tenant the error page keeps that tenant's name and colours.
    assert "Kring A" in page(response).text
    assert page(response).find("link", href="/kring-a/theme.css")


def test_wrong_method_is_405_with_allow_header(client):
    response = client.post("/")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert page(response).find("h1")


def test_too_large_a_body_is_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/language", data={"language": "en", "filler": "x" * 5000})
    assert response.status_code == 413
    assert "File too large" in page(response).text or dutch(app, "File too large") in page(response).text


def test_post_without_sign_in_is_401_and_member_without_role_is_403(client, dummy_on, login_as):
    response = client.post("/kring-a/dummy/notes/1/delete")
    assert response.status_code == 401
    assert page(response).find("a", href="/account/login")

    login_as(dummy_on.a.member)
    assert client.get("/kring-a/admin/").status_code == 403
    # Tenant B's admin learns nothing about tenant A: 404, not 403.
    client.post("/account/logout")
    login_as(dummy_on.b.admin)
    assert client.get("/kring-a/admin/").status_code == 404


def test_a_view_description_is_shown(app, client):
    from flask import abort

    app.add_url_rule("/_test/explained", "explained", lambda: abort(400, "The file is not a CSV file."))
    response = client.get("/_test/explained")
    assert response.status_code == 400
    assert "The file is not a CSV file." in page(response).text


def test_unexpected_exception_is_a_500_page_and_logged(client, failing_routes, caplog):
    response = client.get("/_test/crash", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "Something went wrong" in page(response).text
    assert "boom" not in response.get_data(as_text=True), "no internals leak to the visitor"
    assert "unhandled error on GET /_test/crash" in caplog.text


def test_500_falls_back_to_plain_html_when_the_page_cannot_render(client, failing_routes, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("template broken")

    monkeypatch.setattr(errors, "render_template", broken)
    response = client.get("/_test/crash")
    assert response.status_code == 500
    assert "Er ging iets mis" in response.get_data(as_text=True)
    assert "Something went wrong" in response.get_data(as_text=True)
    # The status stays what it was, in both languages.
    missing = client.get("/_test/abort/404")
    assert missing.status_code == 404 and "Er ging iets mis" in missing.get_data(as_text=True)


@pytest.mark.parametrize("code", [403, 404, 500])
def test_htmx_request_gets_a_fragment_in_the_alert_region(client, failing_routes, code):
    path = "/_test/crash" if code == 500 else f"/_test/abort/{code}"
    response = client.get(path, headers={**HTMX, "Accept-Language": "en"})
    assert response.status_code == code, "htmx 4 swaps error responses; the status stays honest"
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<header" not in html and "<main" not in html
    fragment = page(response)
    assert fragment.find("div", role="alert")
    assert TITLES[code] in fragment.text
    assert response.headers["HX-Retarget"] == "#htmx-alerts"
    assert response.headers["HX-Reswap"] == "innerHTML"
    # Security headers come with fragments too.
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_full_page_htmx_request_gets_the_whole_page(client, failing_routes):
    response = client.get("/_test/abort/404", headers={"HX-Request": "true", "HX-Request-Type": "full"})
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)
    assert "HX-Retarget" not in response.headers


def test_every_page_has_the_alert_region_htmx_errors_go_to(client, world, login_as):
    for path in ("/", "/kring-a/", "/account/login"):
        assert page(client.get(path)).find("div", id="htmx-alerts"), path
    login_as(world.a.admin)
    assert page(client.get("/kring-a/")).find("div", id="htmx-alerts")


def test_htmx_request_after_the_session_expired_goes_to_sign_in_as_a_whole_page(client, world):
    from urllib.parse import parse_qs, urlsplit

    current = {"HX-Current-URL": "http://localhost/kring-a/members/?q=bouw"}
    response = client.get("/kring-a/admin/", headers={**HTMX, **current})
    assert response.status_code == 204 and not response.get_data()
    target = urlsplit(response.headers["HX-Redirect"])
    assert target.path == "/account/login"
    assert parse_qs(target.query)["next"] == ["/kring-a/members/?q=bouw"], (
        "back to the page, not the fragment"
    )
    # Another site's URL is never a place to return to.
    foreign = client.get("/kring-a/admin/", headers={**HTMX, "HX-Current-URL": "https://evil.example/x"})
    assert foreign.headers["HX-Redirect"] == "/account/login"
    # Ordinary requests keep the plain redirect.
    plain = client.get("/kring-a/admin/")
    assert plain.status_code == 302 and "HX-Redirect" not in plain.headers
