"""The account page: details, language, password, and the user's organisations."""

from __future__ import annotations

import pytest

from kringwerk.accounts.models import Role, User
from kringwerk.accounts.people import add_membership
from kringwerk.accounts.services import create_user
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from tests.conftest import World

NEW = "an entirely new passphrase"


def fresh(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def can_sign_in(app, email, password) -> bool:
    response = app.test_client().post("/account/login", data={"email": email, "password": password})
    return response.status_code == 302


def test_needs_sign_in(client):
    response = client.get("/account/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


def test_lists_the_tenants_of_the_user_with_their_role(login_as, world):
    with tenant_scope(world.b.tenant):
        add_membership(world.b.tenant, world.a.member, Role.FACILITATOR)
        db.session.flush()
    db.session.commit()
    page = login_as(world.a.member).get("/account/").get_data(as_text=True)
    assert "Kring A" in page and "Kring B" in page
    assert Role.MEMBER.label in page and Role.FACILITATOR.label in page
    assert 'href="/kring-a/"' in page and 'href="/kring-b/"' in page


def test_shows_only_the_users_own_tenants(login_as, world):
    page = login_as(world.b.admin).get("/account/").get_data(as_text=True)
    assert "Kring B" in page and "Kring A" not in page


def test_outsider_sees_an_empty_state(login_as, world):
    page = login_as(world.outsider).get("/account/").get_data(as_text=True)
    assert "empty-state" in page


def test_change_name_and_language(login_as, world):
    client = login_as(world.a.member)
    response = client.post("/account/profile", data={"name": "  Marieke de Vries ", "preferred_locale": "en"})
    assert response.status_code == 302
    user = fresh(world.a.member)
    assert (user.name, user.preferred_locale) == ("Marieke de Vries", "en")
    client.post("/account/profile", data={"name": "Marieke de Vries", "preferred_locale": "nl"})
    assert fresh(world.a.member).preferred_locale == "nl"
    assert '<html lang="nl">' in client.get("/account/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "preferred_locale": "en"}, "name"),
        ({"name": "X", "preferred_locale": "fr"}, "preferred_locale"),
    ],
)
def test_bad_details_are_field_errors(login_as, world, data, field):
    client = login_as(world.a.member)
    response = client.post("/account/profile", data=data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert fresh(world.a.member).name == world.a.member.name


def test_change_password_keeps_this_session_and_ends_the_others(app, login_as, world):
    elsewhere = app.test_client()
    elsewhere.post("/account/login", data={"email": world.a.member.email, "password": World.password})
    client = login_as(world.a.member)
    response = client.post(
        "/account/password",
        data={"current_password": World.password, "password": NEW, "password_repeat": NEW},
    )
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    assert elsewhere.get("/account/").status_code == 302
    assert can_sign_in(app, world.a.member.email, NEW)
    assert not can_sign_in(app, world.a.member.email, World.password)


def test_change_password_needs_the_current_one(app, login_as, world):
    client = login_as(world.a.member)
    response = client.post(
        "/account/password",
        data={"current_password": "not it at all", "password": NEW, "password_repeat": NEW},
    )
    assert response.status_code == 422
    assert 'id="current_password-error"' in response.get_data(as_text=True)
    assert fresh(world.a.member).session_version == 1
    assert can_sign_in(app, world.a.member.email, World.password)


@pytest.mark.parametrize(
    ("password", "repeat"), [("too short", "too short"), (NEW, "something else entirely")]
)
def test_new_password_rules(login_as, world, password, repeat):
    client = login_as(world.a.member)
    response = client.post(
        "/account/password",
        data={"current_password": World.password, "password": password, "password_repeat": repeat},
    )
    assert response.status_code == 422
    assert "field--error" in response.get_data(as_text=True)
    assert fresh(world.a.member).session_version == 1


def test_a_user_without_password_can_set_one(app, client, world, outbox):
    create_user("linkonly@example.com", "Link Only")
    db.session.commit()
    client.post("/account/magic", data={"email": "linkonly@example.com"})
    from tests.accounts.conftest import link_in

    client.post(link_in(outbox.last("linkonly@example.com"), "/account/magic/"))
    page = client.get("/account/").get_data(as_text=True)
    assert 'name="current_password"' not in page
    response = client.post("/account/password", data={"password": NEW, "password_repeat": NEW})
    assert response.status_code == 302
    assert can_sign_in(app, "linkonly@example.com", NEW)
