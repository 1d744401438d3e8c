"""A session ends for good at sign-out, and sign-in starts a fresh CSRF token."""

from __future__ import annotations

import re

import pytest

from kringwerk.accounts.models import User
from kringwerk.extensions import db
from tests.conftest import World

COOKIE = "kringwerk_session"


def sign_in(client, user, **extra):
    return client.post("/account/login", data={"email": user.email, "password": World.password, **extra})


@pytest.mark.both_databases
def test_a_cookie_copied_before_sign_out_no_longer_works_after_it(client, login_as, world, app):
    client = login_as(world.a.member)
    copied = client.get_cookie(COOKIE).value
    other = app.test_client()
    sign_in(other, world.b.member)
    assert other.get("/kring-b/").status_code == 200

    assert client.post("/account/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie(COOKIE, copied)
    response = replay.get("/account/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert replay.get("/kring-a/admin/people/").status_code in (302, 404)
    # Someone else's session, in the other tenant, goes on.
    assert other.get("/account/").status_code == 200
    assert world.b.member.email in other.get("/account/").get_data(as_text=True)


def test_signing_in_again_after_sign_out_works(client, login_as, world):
    client = login_as(world.a.member)
    client.post("/account/logout")
    assert sign_in(client, world.a.member).status_code == 302
    assert client.get("/account/").status_code == 200
    assert db.session.get(User, world.b.member.id).session_version == 1


class TestCSRFRotation:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    @staticmethod
    def form_token(client, path):
        page = client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    @staticmethod
    def session_token(client):
        with client.session_transaction() as session:
            return session.get("csrf_token")

    @pytest.mark.parametrize("user", ["a", "b"])
    def test_the_token_from_before_sign_in_is_void_after_it(self, client, world, user):
        person = getattr(world, user).member
        before_form = self.form_token(client, "/account/login")
        before = self.session_token(client)
        assert before
        assert sign_in(client, person, csrf_token=before_form).status_code == 302

        after_form = self.form_token(client, "/account/")
        assert self.session_token(client) not in (None, before)
        # Whoever planted or read the token before sign-in cannot use it now.
        assert client.post("/account/logout", data={"csrf_token": before_form}).status_code == 400
        assert client.get("/account/").status_code == 200
        assert client.post("/account/logout", data={"csrf_token": after_form}).status_code == 302
        assert client.get("/account/").status_code == 302
