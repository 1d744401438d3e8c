"""The shell's CSRF token signed once per session and process (kringwerk.web.csrf_tokens):
the same token on every page of a session, valid exactly as Flask-WTF's own, another
session's token refused, and signed again once half the time limit has passed."""

from __future__ import annotations

import pytest

from kringwerk.web import csrf_tokens
from tests.conftest import World, base_config
from tests.web.test_csrf import form_token, header_token


@pytest.fixture
def app_config(tmp_path, database_url):
    return base_config(tmp_path, database_url, WTF_CSRF_ENABLED=True, WTF_CSRF_TIME_LIMIT=3600)


@pytest.fixture(autouse=True)
def new_process():
    csrf_tokens.forget()
    yield
    csrf_tokens.forget()


@pytest.fixture
def signed(monkeypatch):
    """Counts the CSRF tokens signed, by the shell or by any form (WTForms' CSRF field)."""
    from itsdangerous import URLSafeTimedSerializer

    calls = []
    real = URLSafeTimedSerializer.dumps

    def dumps(self, *args, **kwargs):
        if self.salt in (b"wtf-csrf-token", "wtf-csrf-token"):
            calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(URLSafeTimedSerializer, "dumps", dumps)
    return calls


def _sign_in(app, user):
    client = app.test_client()
    token = form_token(client.get("/account/login"))
    response = client.post(
        "/account/login", data={"email": user.email, "password": World.password, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def test_a_session_gets_one_token_signed_once_and_it_is_accepted(app, world, signed):
    alice = _sign_in(app, world.a.member)  # signing in starts a new raw token (accounts)
    signed.clear()
    pages = [
        alice.get(path) for path in ("/kring-a/", "/account/", "/kring-a/", "/account/", "/kring-b/admin/")
    ]
    tokens = {header_token(response) for response in pages}
    assert len(tokens) == 1 and len(signed) == 1
    token = tokens.pop()
    assert form_token(pages[0]) == token  # the shell's forms carry the same one
    assert form_token(pages[1]) == token  # and so do a page's own forms (the account's)
    answer = alice.post("/language", data={"language": "nl", "next": "/kring-a/", "csrf_token": token})
    assert answer.status_code == 302


def test_another_sessions_token_is_refused(app, world, signed):
    alice = _sign_in(app, world.a.member)
    bob = _sign_in(app, world.b.member)
    token_a = header_token(alice.get("/kring-a/"))
    token_b = header_token(bob.get("/kring-b/"))
    assert token_a != token_b
    refused = bob.post("/language", data={"language": "nl", "next": "/", "csrf_token": token_a})
    assert refused.status_code == 400
    assert (
        alice.post("/language", data={"language": "nl", "next": "/", "csrf_token": token_a}).status_code
        == 302
    )


def test_a_kept_token_is_signed_again_past_half_the_time_limit(app, world, signed, monkeypatch):
    alice = _sign_in(app, world.a.member)
    first = header_token(alice.get("/kring-a/"))
    signed.clear()
    now = csrf_tokens.time.monotonic()
    monkeypatch.setattr(csrf_tokens.time, "monotonic", lambda: now + 1799)
    assert header_token(alice.get("/kring-a/")) == first and signed == []
    monkeypatch.setattr(csrf_tokens.time, "monotonic", lambda: now + 1801)
    second = header_token(alice.get("/kring-a/"))
    assert len(signed) == 1
    assert (
        alice.post("/language", data={"language": "nl", "next": "/", "csrf_token": second}).status_code == 302
    )


def test_signing_in_starts_a_new_token(app, world):
    visitor = app.test_client()
    before = header_token(visitor.get("/"))
    response = visitor.post(
        "/account/login",
        data={"email": world.a.member.email, "password": World.password, "csrf_token": before},
    )
    assert response.status_code == 302
    after = header_token(visitor.get("/kring-a/"))
    assert after != before
    assert (
        visitor.post("/language", data={"language": "nl", "next": "/", "csrf_token": before}).status_code
        == 400
    )
    assert (
        visitor.post("/language", data={"language": "nl", "next": "/", "csrf_token": after}).status_code
        == 302
    )
