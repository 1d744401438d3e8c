"""Forgotten passwords: a reset link by e-mail, then a new password."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kringwerk.accounts.models import AuthToken, TokenPurpose, User
from kringwerk.extensions import db, utcnow
from tests.accounts.conftest import link_in, main_of
from tests.conftest import World

NEW = "a brand new passphrase"


def reset_link(client, outbox, user) -> str:
    client.post("/account/reset", data={"email": user.email})
    return link_in(outbox.last(user.email), "/account/reset/")


def can_sign_in(app, user, password) -> bool:
    other = app.test_client()
    response = other.post("/account/login", data={"email": user.email, "password": password})
    return response.status_code == 302


def test_the_answer_is_the_same_for_known_and_unknown_addresses(client, world, outbox):
    known = client.post("/account/reset", data={"email": world.a.member.email})
    unknown = client.post("/account/reset", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert main_of(known).replace(world.a.member.email, "X") == main_of(unknown).replace(
        "nobody@example.com", "X"
    )
    assert len(outbox.to(world.a.member.email)) == 1
    assert outbox.to("nobody@example.com") == []


def test_the_token_lasts_one_hour(client, world, outbox):
    reset_link(client, outbox, world.a.member)
    token = db.session.scalar(select(AuthToken))
    assert token.purpose == TokenPurpose.PASSWORD_RESET
    assert timedelta(minutes=59) < token.expires_at - utcnow() <= timedelta(hours=1)


@pytest.mark.both_databases
def test_reset_sets_the_password_signs_in_and_ends_other_sessions(app, client, world, outbox, login_as):
    elsewhere = app.test_client()
    elsewhere.post("/account/login", data={"email": world.a.member.email, "password": World.password})
    assert elsewhere.get("/account/").status_code == 200

    path = reset_link(client, outbox, world.a.member)
    form = client.get(path)
    assert form.status_code == 200
    assert 'name="password_repeat"' in form.get_data(as_text=True)
    response = client.post(path, data={"password": NEW, "password_repeat": NEW})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200  # signed in here
    assert elsewhere.get("/account/").status_code == 302  # signed out there
    assert can_sign_in(app, world.a.member, NEW)
    assert not can_sign_in(app, world.a.member, World.password)
    db.session.expire_all()
    assert db.session.get(User, world.a.member.id).session_version == 2


def test_the_link_works_once(client, world, outbox):
    path = reset_link(client, outbox, world.a.member)
    client.post(path, data={"password": NEW, "password_repeat": NEW})
    client.post("/account/logout")
    response = client.post(
        path, data={"password": "another passphrase", "password_repeat": "another passphrase"}
    )
    assert response.status_code == 410
    assert 'href="/account/reset"' in response.get_data(as_text=True)


def test_a_reset_voids_other_open_links(client, world, outbox):
    first = reset_link(client, outbox, world.a.member)
    second = reset_link(client, outbox, world.a.member)
    assert first != second
    client.post(second, data={"password": NEW, "password_repeat": NEW})
    assert client.get(first).status_code == 410


def test_expired_link_gets_a_clear_page(client, world, outbox):
    path = reset_link(client, outbox, world.a.member)
    token = db.session.scalar(select(AuthToken))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(path).status_code == 410
    response = client.post(path, data={"password": NEW, "password_repeat": NEW})
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


def test_unknown_link(client):
    assert client.get("/account/reset/unknown-token").status_code == 404


@pytest.mark.parametrize(
    ("password", "repeat", "error_field"),
    [("short", "short", "password"), (NEW, NEW + "x", "password_repeat"), ("", "", "password")],
)
def test_bad_new_password_is_a_field_error_and_keeps_the_token(
    app, client, world, outbox, password, repeat, error_field
):
    path = reset_link(client, outbox, world.a.member)
    response = client.post(path, data={"password": password, "password_repeat": repeat})
    assert response.status_code == 422
    assert f'id="{error_field}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(AuthToken.used_at)) is None
    assert can_sign_in(app, world.a.member, World.password)
    assert client.post(path, data={"password": NEW, "password_repeat": NEW}).status_code == 302
