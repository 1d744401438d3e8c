"""Signing in by a link sent by e-mail."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kringwerk.accounts.models import AuthToken, TokenPurpose, User
from kringwerk.accounts.services import create_user
from kringwerk.extensions import db, utcnow
from tests.accounts.conftest import html_of, link_in, main_of


def request_link(client, email):
    return client.post("/account/magic", data={"email": email})


def signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def test_request_page_renders(client):
    response = client.get("/account/magic")
    assert response.status_code == 200
    assert 'name="email"' in response.get_data(as_text=True)


def test_the_answer_is_the_same_for_known_and_unknown_addresses(client, world, outbox):
    known = request_link(client, world.a.member.email)
    unknown = request_link(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert main_of(known).replace(world.a.member.email, "EMAIL") == main_of(unknown).replace(
        "nobody@example.com", "EMAIL"
    )
    assert len(outbox.to(world.a.member.email)) == 1
    assert outbox.to("nobody@example.com") == []


@pytest.mark.both_databases
def test_only_the_hash_of_the_token_is_stored_and_it_expires_in_15_minutes(client, world, outbox):
    request_link(client, world.a.member.email)
    path = link_in(outbox.last(world.a.member.email), "/account/magic/")
    raw = path.rsplit("/", 1)[1]
    token = db.session.scalar(select(AuthToken))
    assert token.purpose == TokenPurpose.MAGIC_LINK
    assert token.user_id == world.a.member.id
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in token.token_hash
    assert timedelta(minutes=14) < token.expires_at - utcnow() <= timedelta(minutes=15)


def test_the_mail_has_a_text_and_an_html_part_with_the_link(client, world, outbox):
    request_link(client, world.a.member.email)
    message = outbox.last(world.a.member.email)
    path = link_in(message, "/account/magic/")
    assert f"http://localhost{path}" in html_of(message)
    assert message["Subject"]


def test_get_shows_a_button_and_does_not_use_the_token(client, world, outbox):
    request_link(client, world.a.member.email)
    path = link_in(outbox.last(world.a.member.email), "/account/magic/")
    for _ in range(3):  # a mail scanner, a link preview, the person
        response = client.get(path)
        assert response.status_code == 200
        assert f'action="{path}"' in response.get_data(as_text=True)
    assert not signed_in(client)
    assert db.session.scalar(select(AuthToken.used_at)) is None


def test_post_signs_in_once(client, world, outbox):
    request_link(client, world.a.member.email)
    path = link_in(outbox.last(world.a.member.email), "/account/magic/")
    response = client.post(path)
    assert response.status_code == 302
    assert signed_in(client)
    client.post("/account/logout")
    again = client.post(path)
    assert again.status_code == 410
    assert "/account/magic" in again.get_data(as_text=True)  # offers a new link
    assert client.get(path).status_code == 410
    assert not signed_in(client)


def test_expired_link_gets_a_clear_page(client, world, outbox):
    request_link(client, world.a.member.email)
    path = link_in(outbox.last(world.a.member.email), "/account/magic/")
    token = db.session.scalar(select(AuthToken))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.post(path)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    assert not signed_in(client)


@pytest.mark.parametrize("token", ["nonsense", "x" * 300])
def test_unknown_link_gets_404_with_a_way_forward(client, world, token):
    response = client.get(f"/account/magic/{token}")
    assert response.status_code == 404
    assert 'href="/account/magic"' in response.get_data(as_text=True)
    assert client.post(f"/account/magic/{token}").status_code == 404


def test_a_reset_token_is_not_a_magic_link(client, world, outbox):
    client.post("/account/reset", data={"email": world.a.member.email})
    path = link_in(outbox.last(world.a.member.email), "/account/reset/")
    token = path.rsplit("/", 1)[1]
    assert client.post(f"/account/magic/{token}").status_code == 404


def test_inactive_account_gets_no_link(client, world, outbox):
    world.a.member.active = False
    db.session.commit()
    response = request_link(client, world.a.member.email)
    assert response.status_code == 200
    assert outbox.to(world.a.member.email) == []


def test_link_of_a_disabled_account_no_longer_works(client, world, outbox):
    request_link(client, world.a.member.email)
    path = link_in(outbox.last(world.a.member.email), "/account/magic/")
    user = db.session.get(User, world.a.member.id)
    user.active = False
    db.session.commit()
    assert client.post(path).status_code == 404
    assert not signed_in(client)


def test_account_without_password_signs_in_by_link_only(client, world, outbox):
    create_user("linkonly@example.com", "Link Only")
    db.session.commit()
    refused = client.post("/account/login", data={"email": "linkonly@example.com", "password": "whatever123"})
    assert refused.status_code == 422
    assert "This e-mail address and password do not match." in refused.get_data(as_text=True)
    request_link(client, "LinkOnly@Example.com")
    path = link_in(outbox.last("linkonly@example.com"), "/account/magic/")
    assert client.post(path).status_code == 302
    assert "linkonly@example.com" in client.get("/account/").get_data(as_text=True)


def test_used_and_expired_tokens_are_cleaned_up_on_the_next_request(client, world, outbox):
    for _ in range(3):
        request_link(client, world.a.member.email)
    for token in db.session.scalars(select(AuthToken)):
        token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    request_link(client, world.a.member.email)
    assert db.session.scalar(select(func.count(AuthToken.id))) == 1


def test_invalid_address_is_a_field_error(client):
    response = request_link(client, "not an address")
    assert response.status_code == 422
    assert 'id="email-error"' in response.get_data(as_text=True)
