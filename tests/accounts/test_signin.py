"""Signing in with a password, and signing out."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kringwerk.accounts.models import User
from kringwerk.accounts.services import create_user
from kringwerk.extensions import db
from tests.conftest import World

GENERIC = "This e-mail address and password do not match."


def sign_in(client, email, password=World.password, **extra):
    return client.post("/account/login", data={"email": email, "password": password, **extra})


def test_login_page_renders(client):
    response = client.get("/account/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' in page
    assert "/account/magic" in page and "/account/reset" in page


@pytest.mark.both_databases
def test_sign_in_goes_to_the_landing_page_and_records_the_time(client, world):
    response = sign_in(client, world.a.member.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/account/").get_data(as_text=True)
    assert world.a.member.email in page
    db.session.expire_all()
    assert db.session.get(User, world.a.member.id).last_login_at is not None


def test_sign_in_is_case_insensitive_on_the_address(client, world):
    response = sign_in(client, "  " + world.a.member.email.upper())
    assert response.status_code == 302


def test_sign_in_follows_a_safe_next(client, world):
    response = sign_in(client, world.a.admin.email, next="/kring-a/members/")
    assert response.headers["Location"] == "/kring-a/members/"


@pytest.mark.parametrize(
    "target", ["https://evil.example.com/", "//evil.example.com/x", "javascript:alert(1)"]
)
def test_sign_in_ignores_an_unsafe_next(client, world, target):
    response = sign_in(client, world.a.admin.email, next=target)
    assert response.headers["Location"] == "/"


def test_protected_page_sends_to_login_and_back(client, world):
    response = client.get("/kring-a/admin/people/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="/kring-a/admin/people/"' in login_page
    response = sign_in(client, world.a.admin.email, next="/kring-a/admin/people/")
    assert response.headers["Location"] == "/kring-a/admin/people/"
    assert client.get("/kring-a/admin/people/").status_code == 200


def test_wrong_password_gives_the_generic_message_and_keeps_the_address(client, world):
    response = sign_in(client, world.a.member.email, password="wrong password")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert GENERIC in page
    assert f'value="{world.a.member.email}"' in page
    assert "wrong password" not in page
    assert client.get("/account/").status_code == 302


def test_unknown_address_gets_the_same_message(client, world):
    response = sign_in(client, "nobody@example.com")
    assert response.status_code == 422
    assert GENERIC in response.get_data(as_text=True)


def test_inactive_account_cannot_sign_in(client, world):
    world.a.member.active = False
    db.session.commit()
    response = sign_in(client, world.a.member.email)
    assert response.status_code == 422
    assert GENERIC in response.get_data(as_text=True)


def test_account_without_password_gets_the_same_message(client, world):
    create_user("linkonly@example.com", "Link Only")
    db.session.commit()
    response = sign_in(client, "linkonly@example.com", password="")
    assert response.status_code == 422  # an empty password is a field error
    response = sign_in(client, "linkonly@example.com", password="anything at all")
    assert response.status_code == 422
    assert GENERIC in response.get_data(as_text=True)


def test_missing_fields_are_shown_next_to_the_field(client):
    response = client.post("/account/login", data={"email": "not-an-address", "password": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page and 'id="password-error"' in page
    assert 'value="not-an-address"' in page


def test_signed_in_visitor_is_sent_on_from_the_login_page(login_as, world):
    client = login_as(world.a.member)
    response = client.get("/account/login?next=/kring-a/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/kring-a/"


def test_sign_out_is_a_post(login_as, world):
    client = login_as(world.a.member)
    assert client.get("/account/logout").status_code == 405
    assert client.get("/account/").status_code == 200
    response = client.post("/account/logout")
    assert response.status_code == 302
    assert client.get("/account/").status_code == 302


def test_sign_out_without_a_session_is_harmless(client):
    response = client.post("/account/logout")
    assert response.status_code == 302


def test_a_bumped_session_version_ends_the_session(login_as, world):
    client = login_as(world.a.member)
    assert client.get("/account/").status_code == 200
    user = db.session.scalar(select(User).where(User.email == world.a.member.email))
    user.session_version += 1
    db.session.commit()
    assert client.get("/account/").status_code == 302


class TestCSRF:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_sign_in_without_the_form_token_is_refused(self, client, world):
        response = sign_in(client, world.a.member.email)
        assert response.status_code == 400

    def test_sign_in_with_the_form_token_works(self, client, world):
        import re

        page = client.get("/account/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = sign_in(client, world.a.member.email, csrf_token=token)
        assert response.status_code == 302
