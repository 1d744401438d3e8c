"""A cookieless visitor's first request: the CSRF token and the session cookie are signed by
serializers kept per process (kringwerk.web.security.KeptSerializer), with Flask-WTF's salt
and Flask's session format. What is stored, what the token and cookie look like and how they
are checked stay Flask-WTF's and Flask's: the bytes are the libraries' own, an app with
Flask's stock session interface accepts them, tampering is refused, and rotating the keys
behaves as it did."""

from __future__ import annotations

import contextvars
from datetime import UTC, datetime

import pytest
from flask import g, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from markupsafe import Markup

from kringwerk import create_app
from kringwerk.web import csrf_tokens
from kringwerk.web.security import KeptSerializer
from tests.conftest import IsolatedClient, World, base_config
from tests.web.test_csrf import header_token

OLD_KEY = "test-secret-key"  # base_config's
NEW_KEY = "a-new-secret-key-after-rotation"


@pytest.fixture
def app_config(tmp_path, database_url):
    return base_config(tmp_path, database_url, WTF_CSRF_ENABLED=True)


@pytest.fixture(autouse=True)
def new_process():
    csrf_tokens.forget()
    yield
    csrf_tokens.forget()


def _cookie_name(app) -> str:
    return app.config["SESSION_COOKIE_NAME"]


def visit(app, path: str) -> tuple[str, str]:
    """A cookieless visitor's first GET of ``path``: the page's token and the session cookie set."""
    response = app.test_client(use_cookies=False).get(path)
    assert response.status_code == 200, path
    name = _cookie_name(app)
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert len(cookies) == 1
    assert response.headers["Vary"] == "Cookie"
    return header_token(response), cookies[0].split(";", 1)[0].split("=", 1)[1]


def post(app, cookie: str | None, token: str, next_url: str = "/kring-a/"):
    """The language switch (a POST behind Flask-WTF's check) with this cookie and token."""
    headers = {"Cookie": f"{_cookie_name(app)}={cookie}"} if cookie else {}
    client = app.test_client(use_cookies=False)
    return client.post(
        "/language", data={"language": "nl", "next": next_url, "csrf_token": token}, headers=headers
    )


def stock_app(app_config, **overrides):
    """The same app with Flask's own session interface: what the cookie must still open for."""
    stock = create_app({**app_config, **overrides}, environ={})
    stock.test_client_class = IsolatedClient
    stock.session_interface = SecureCookieSessionInterface()
    stock.add_url_rule("/_test/stock-token", "stock_token", lambda: generate_csrf())
    return stock


def in_request(app, path, work):
    """``work()`` in a request to ``path`` of its own, as a server runs it."""

    def run():
        with app.test_request_context(path):
            return work()

    return contextvars.Context().run(run)


# --- the next POST --------------------------------------------------------------------------


def test_a_cookieless_visitors_token_and_cookie_pass_the_next_post(app, world):
    token_a, cookie_a = visit(app, "/kring-a/")
    token_b, cookie_b = visit(app, "/kring-b/")
    assert token_a != token_b and cookie_a != cookie_b
    assert post(app, cookie_a, token_a).status_code == 302
    assert post(app, cookie_b, token_b, next_url="/kring-b/").status_code == 302
    # Each visitor's token is theirs alone, whichever tenant's page gave it.
    assert post(app, cookie_a, token_b).status_code == 400
    assert post(app, cookie_b, token_a, next_url="/kring-b/").status_code == 400
    assert post(app, None, token_a).status_code == 400


def test_the_returning_visitor_gets_the_same_token(app, world):
    token, _cookie = visit(app, "/kring-a/")
    client = app.test_client()  # now with the cookie, as a browser
    client.set_cookie(_cookie_name(app), _cookie)
    pages = [client.get(path) for path in ("/kring-b/", "/kring-a/", "/kring-b/")]
    assert {header_token(page) for page in pages} == {token}
    # Flask-Login marks a returning anonymous session not fresh once; then nothing is stored.
    assert "Set-Cookie" not in pages[-1].headers
    assert all(page.headers["Vary"] == "Cookie" for page in pages)
    assert (
        client.post("/language", data={"language": "nl", "next": "/", "csrf_token": token}).status_code == 302
    )


def test_a_tampered_token_or_cookie_is_refused(app, world):
    token, cookie = visit(app, "/kring-a/")
    # A character inside the signature (the last one carries ignored padding bits).
    flipped = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    assert post(app, cookie, flipped).status_code == 400
    forged = URLSafeTimedSerializer("not-the-key", salt="wtf-csrf-token")
    with app.test_request_context("/"):
        raw = app.session_interface.open_session(app, _request_with(app, cookie))["csrf_token"]
    assert post(app, cookie, forged.dumps(raw)).status_code == 400
    payload, rest = cookie.split(".", 1)
    assert post(app, payload[:-2] + "AA." + rest, token).status_code == 400
    other_token, _other_cookie = visit(app, "/kring-b/")
    assert post(app, cookie, other_token).status_code == 400
    assert post(app, cookie, token).status_code == 302  # the untouched pair still passes


def _request_with(app, cookie):
    from flask import Request
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(path="/", headers={"Cookie": f"{_cookie_name(app)}={cookie}"}).get_environ()
    return Request(environ)


# --- the format: the libraries' own bytes ---------------------------------------------------


def test_the_token_is_the_one_flask_wtf_makes(app, world, monkeypatch):
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_790_000_000)

    def ours():
        token = csrf_tokens.csrf_token()
        return token, session["csrf_token"]

    token, raw = in_request(app, "/kring-a/", ours)
    assert len(raw) == 40 and int(raw, 16) >= 0  # Flask-WTF's raw token: a SHA-1 in hex

    def flask_wtfs():
        session["csrf_token"] = raw
        g.pop("csrf_token", None)
        return generate_csrf()

    assert in_request(app, "/kring-b/", flask_wtfs) == token
    assert URLSafeTimedSerializer(OLD_KEY, salt="wtf-csrf-token").dumps(raw) == token


SESSIONS = [
    {"csrf_token": "0f" * 20},
    {"_user_id": "5", "_fresh": True, "_id": "ab" * 64, "csrf_token": "0f" * 20, "n": 3, "x": 1.5, "z": None},
    {" t": "a single key that is one of Flask's tags"},
    {" t": [1, 2]},
    {"markup": Markup("<b>bold</b>")},
    {"tuple": (1, 2)},
    {"bytes": b"\x00\x01"},
    {"when": datetime(2026, 12, 5, 6, 30, tzinfo=UTC)},
    {"nested": {"a": 1}, "list": ["b"]},
    {"_flashes": [("message", "Saved")]},
    {"flag": False, "sub": True},
]


@pytest.mark.parametrize("data", SESSIONS, ids=range(len(SESSIONS)))
@pytest.mark.parametrize("fallbacks", [[], ["an-older-key"]])
def test_the_session_cookie_is_the_one_flask_makes(app, world, monkeypatch, data, fallbacks):
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_790_000_000)
    app.config["SECRET_KEY_FALLBACKS"] = fallbacks
    ours = app.session_interface.get_signing_serializer(app)
    flasks = SecureCookieSessionInterface().get_signing_serializer(app)
    assert isinstance(ours, KeptSerializer)
    assert ours.dumps(data) == flasks.dumps(data)
    assert ours.dumps(data) == flasks.dumps(data)  # the kept signer a second time
    assert flasks.loads(ours.dumps(data)) == data


def test_an_app_with_flasks_own_session_accepts_the_cookie_and_token(app, app_config, world):
    stock = stock_app(app_config)
    token, cookie = visit(app, "/kring-a/")
    assert post(stock, cookie, token).status_code == 302
    # and the other way: a session and token made by Flask and Flask-WTF alone pass here
    response = stock.test_client(use_cookies=False).get("/_test/stock-token")
    stock_cookie = response.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]
    stock_token = response.get_data(as_text=True)
    assert post(app, stock_cookie, stock_token).status_code == 302
    assert post(app, stock_cookie, token).status_code == 400


# --- key rotation ---------------------------------------------------------------------------


def _rotate(app, *, keep_old: bool = True) -> None:
    app.config["SECRET_KEY_FALLBACKS"] = [OLD_KEY] if keep_old else []
    app.config["SECRET_KEY"] = NEW_KEY


def test_after_rotation_the_cookie_opens_and_the_token_is_judged_as_flask_wtf_does(app, app_config, world):
    """Without WTF_CSRF_SECRET_KEY, Flask-WTF signs with SECRET_KEY alone: the session signed
    under the old key still opens (SECRET_KEY_FALLBACKS), its token signed under the old key
    does not pass, and the next page gives a token under the new key that does."""
    token, cookie = visit(app, "/kring-a/")
    stock = stock_app(app_config)
    _rotate(app)
    _rotate(stock)
    assert post(app, cookie, token).status_code == post(stock, cookie, token).status_code == 400
    again = app.test_client(use_cookies=False).get(
        "/kring-b/", headers={"Cookie": f"{_cookie_name(app)}={cookie}"}
    )
    new_token = header_token(again)
    assert new_token != token
    with app.app_context():
        assert URLSafeTimedSerializer(NEW_KEY, salt="wtf-csrf-token").loads(new_token) == (
            URLSafeTimedSerializer(OLD_KEY, salt="wtf-csrf-token").loads(token)
        )  # the same raw token: the session survived
    assert post(app, cookie, new_token).status_code == post(stock, cookie, new_token).status_code == 302


def test_with_its_own_csrf_key_the_old_token_passes_after_rotation(app, app_config, world):
    app.config["WTF_CSRF_SECRET_KEY"] = "a-csrf-key-of-its-own"
    token, cookie = visit(app, "/kring-a/")
    stock = stock_app(app_config, WTF_CSRF_SECRET_KEY="a-csrf-key-of-its-own")
    _rotate(app)
    _rotate(stock)
    assert post(app, cookie, token).status_code == post(stock, cookie, token).status_code == 302
    again = app.test_client(use_cookies=False).get(
        "/kring-b/", headers={"Cookie": f"{_cookie_name(app)}={cookie}"}
    )
    assert header_token(again) == token


def test_a_cookie_under_a_key_no_longer_accepted_starts_a_new_session(app, world):
    token, cookie = visit(app, "/kring-a/")
    _rotate(app, keep_old=False)
    assert post(app, cookie, token).status_code == 400
    new_token, new_cookie = visit(app, "/kring-b/")
    assert post(app, new_cookie, new_token).status_code == 302
    assert post(app, cookie, new_token).status_code == 400


def test_a_signed_in_session_passes_as_before(app, app_config, world):
    client = app.test_client()
    token = header_token(client.get("/account/login"))
    response = client.post(
        "/account/login",
        data={"email": world.a.member.email, "password": World.password, "csrf_token": token},
    )
    assert response.status_code == 302
    page = client.get("/kring-a/")
    assert world.a.member.name in page.get_data(as_text=True)
    assert world.b.member.name not in client.get("/kring-b/").get_data(as_text=True)
    # Flask's own session interface reads the signed-in cookie the same way.
    cookie = client.get_cookie(_cookie_name(app)).value
    stock = stock_app(app_config)
    seen = stock.test_client(use_cookies=False).get(
        "/kring-a/", headers={"Cookie": f"{_cookie_name(app)}={cookie}"}
    )
    assert world.a.member.name in seen.get_data(as_text=True)
    assert (
        client.post(
            "/language", data={"language": "nl", "next": "/", "csrf_token": header_token(page)}
        ).status_code
        == 302
    )
