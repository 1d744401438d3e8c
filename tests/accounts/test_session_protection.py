"""Session protection is Flask-Login's own, with the work whose answer is fixed skipped
(``kringwerk.login_manager``): a session with a user from another address or browser is
marked non-fresh ("basic") or ended ("strong"), in each tenant alike; a visitor is never
looked for in an ``Authorization`` header."""

from __future__ import annotations

import itertools

import flask_login
import pytest
from flask import session
from flask_login import current_user, session_protected
from flask_login.utils import _create_identifier

from kringwerk.extensions import login_manager
from kringwerk.login_manager import session_identifier
from tests.conftest import World

pytestmark = pytest.mark.both_databases

COOKIE = "kringwerk_session"
# Member pages: a visitor is sent to sign in, another tenant's member gets 404.
HOME = {"a": "/kring-a/members/", "b": "/kring-b/members/"}


def sign_in(client, user, agent):
    response = client.post(
        "/account/login",
        data={"email": user.email, "password": World.password},
        headers={"User-Agent": agent},
    )
    assert response.status_code == 302
    return client


def fresh(client):
    with client.session_transaction() as sess:
        return sess.get("_fresh"), sess.get("_user_id")


@pytest.mark.parametrize("side", ["a", "b"])
def test_basic_marks_a_session_from_another_browser_non_fresh_and_keeps_it(app, world, side):
    people = getattr(world, side)
    other = world.b if side == "a" else world.a
    client = sign_in(app.test_client(), people.member, "browser one")
    bystander = sign_in(app.test_client(), other.member, "browser one")
    assert fresh(client)[0] is True
    sent = []

    def receiver(sender):
        sent.append(sender)

    session_protected.connect(receiver, app)

    # Same browser: nothing happens.
    assert client.get(HOME[side], headers={"User-Agent": "browser one"}).status_code == 200
    assert fresh(client)[0] is True and not sent

    # Another browser (or address): still signed in, no longer fresh, the signal sent.
    assert client.get(HOME[side], headers={"User-Agent": "browser two"}).status_code == 200
    assert fresh(client)[0] is False and len(sent) == 1
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert client.get(HOME[side], headers={"User-Agent": "browser one"}).status_code == 200
    assert fresh(client)[0] is False and fresh(client)[1] is not None
    # The member still sees only their own tenant; the other tenant's session is untouched.
    other_home = HOME["b" if side == "a" else "a"]
    assert client.get(other_home, headers={"User-Agent": "browser one"}).status_code == 404
    assert bystander.get(other_home, headers={"User-Agent": "browser one"}).status_code == 200
    assert fresh(bystander)[0] is True
    session_protected.disconnect(receiver, app)


@pytest.mark.parametrize("side", ["a", "b"])
def test_strong_ends_a_session_from_another_browser(app, world, side):
    app.config["SESSION_PROTECTION"] = "strong"
    people = getattr(world, side)
    other = world.b if side == "a" else world.a
    client = sign_in(app.test_client(), people.member, "browser one")
    bystander = sign_in(app.test_client(), other.member, "browser one")
    assert client.get(HOME[side], headers={"User-Agent": "browser one"}).status_code == 200

    response = client.get(HOME[side], headers={"User-Agent": "browser two"})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    with client.session_transaction() as sess:
        assert "_user_id" not in sess and "_id" not in sess
    # Back in the first browser the session is gone for good.
    assert client.get(HOME[side], headers={"User-Agent": "browser one"}).status_code == 302
    # The other tenant's member, in their own browser, goes on.
    other_home = HOME["b" if side == "a" else "a"]
    assert bystander.get(other_home, headers={"User-Agent": "browser one"}).status_code == 200


def test_a_visitor_with_an_authorization_header_stays_a_visitor(app, world):
    client = app.test_client()
    response = client.get("/kring-a/members/", headers={"Authorization": f"Basic {world.a.member.email}"})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    with app.test_request_context("/", headers={"Authorization": "Bearer x"}):
        assert not current_user.is_authenticated


HEADERS = [
    {},
    {"User-Agent": "Mozilla/5.0 (X11) Fïrefox"},
    {"X-Forwarded-For": "198.51.100.7, 10.0.0.1", "User-Agent": "curl"},
    {"X-Forwarded-For": ""},
]


@pytest.mark.parametrize("headers", HEADERS)
@pytest.mark.parametrize("remote_addr", ["127.0.0.1", "2001:db8::1"])
def test_the_identifier_is_flask_logins(app, headers, remote_addr):
    for _ in range(2):  # the second time from the keep
        with app.test_request_context("/", headers=headers, environ_base={"REMOTE_ADDR": remote_addr}):
            assert session_identifier() == _create_identifier()


SESSIONS = [
    {},
    {"csrf_token": "t"},
    {"_user_id": "1.1", "_fresh": True, "_id": "MATCH"},
    {"_user_id": "1.1", "_fresh": True, "_id": "someone else"},
    {"_user_id": "1.1", "_fresh": False, "_id": "someone else", "_remember": "set"},
    {"_user_id": "1.1", "_fresh": True},
]


@pytest.mark.parametrize(
    ("contents", "mode", "permanent"),
    list(itertools.product(SESSIONS, ["basic", "strong", None, "other"], [False, True])),
)
def test_session_protection_decides_as_flask_login_does(app, contents, mode, permanent):
    """Every case gives Flask-Login 0.6's answer, session changes and signals."""
    app.config["SESSION_PROTECTION"] = mode
    outcomes = []
    for method in (
        flask_login.LoginManager._session_protection_failed,
        type(login_manager)._session_protection_failed,
    ):
        sent = []

        def receiver(sender, sent=sent):
            sent.append(sender)

        session_protected.connect(receiver, app)
        with app.test_request_context("/", headers={"User-Agent": "browser"}):
            session.update(
                {
                    key: (_create_identifier() if value == "MATCH" else value)
                    for key, value in contents.items()
                }
            )
            session.permanent = permanent
            failed = method(login_manager)
            outcomes.append((failed, dict(session), len(sent)))
        session_protected.disconnect(receiver, app)
    assert outcomes[0] == outcomes[1]
