"""Inviting people into a tenant, and accepting an invitation."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kringwerk.accounts.models import Invitation, Membership, Role, User
from kringwerk.accounts.services import create_user
from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db, utcnow
from kringwerk.tenancy import tenant_scope
from tests.accounts.conftest import link_in
from tests.conftest import World

INVITE = "/kring-a/admin/people/invite"
NEW_PERSON = "new.person@example.com"
PASSWORD = "a fine long passphrase"


def invite(client, email=NEW_PERSON, role="facilitator", tenant="kring-a"):
    return client.post(f"/{tenant}/admin/people/invite", data={"email": email, "role": role})


def invitation_of(tenant, email=NEW_PERSON) -> Invitation | None:
    db.session.expire_all()
    with tenant_scope(tenant):
        return db.session.scalar(select(Invitation).where(Invitation.email == email))


def actions(tenant) -> list[str]:
    with tenant_scope(tenant):
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def expire_invitation(tenant, email=NEW_PERSON) -> int:
    """Let the invitation run out; returns its id (the commit expires the row)."""
    with tenant_scope(tenant):
        invitation = invitation_of(tenant, email)
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        invitation_id = invitation.id
        db.session.commit()
    return invitation_id


def role_in(tenant, user_id) -> Role | None:
    db.session.expire_all()
    with tenant_scope(tenant):
        return db.session.scalar(select(Membership.role).where(Membership.user_id == user_id))


@pytest.fixture
def invited(login_as, world, outbox):
    """Tenant A's admin invites NEW_PERSON as a park manager; returns the link's path."""
    client = login_as(world.a.admin)
    response = invite(client)
    assert response.status_code == 302
    client.post("/account/logout")
    return link_in(outbox.last(NEW_PERSON), "/account/invitations/")


# --- inviting -----------------------------------------------------------------------------------


def test_invite_page_renders_for_the_board(login_as, world):
    page = login_as(world.a.admin).get(INVITE).get_data(as_text=True)
    assert 'name="email"' in page
    for role in Role:
        assert f'value="{role.value}"' in page


@pytest.mark.both_databases
def test_invite_stores_a_hashed_token_audits_and_mails(login_as, world, outbox):
    client = login_as(world.a.admin)
    response = invite(client, email="  New.Person@Example.com ")
    assert response.status_code == 302
    invitation = invitation_of(world.a.tenant)
    assert invitation.role == Role.FACILITATOR
    assert invitation.invited_by_id == world.a.admin.id
    assert timedelta(days=13, hours=23) < invitation.expires_at - utcnow() <= timedelta(days=14)
    path = link_in(outbox.last(NEW_PERSON), "/account/invitations/")
    raw = path.rsplit("/", 1)[1]
    assert invitation.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert actions(world.a.tenant)[-1] == "member.invited"
    assert "member.invited" not in actions(world.b.tenant)


def test_invitation_mail_names_the_tenant_and_goes_out_in_the_tenants_language(
    login_as, world, outbox, mail_calls
):
    world.a.tenant.default_locale = "en"
    db.session.commit()
    invite(login_as(world.a.admin))
    assert [(c["template"], c["locale"]) for c in mail_calls] == [("accounts/invitation", "en")]
    assert "Kring A" in outbox.last(NEW_PERSON)["Subject"]


def test_invitation_mail_uses_the_existing_accounts_language(login_as, world, mail_calls):
    world.a.tenant.default_locale = "nl"  # a new person gets this; an account its own language
    world.outsider.preferred_locale = "en"
    db.session.commit()
    client = login_as(world.a.admin)
    invite(client, email=world.outsider.email)
    invite(client, email="someone.new@example.com")
    assert [c["locale"] for c in mail_calls] == ["en", "nl"]


def test_inviting_a_member_is_a_form_error(login_as, world, outbox):
    response = invite(login_as(world.a.admin), email=world.a.member.email.upper())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page and "already a member" in page
    assert invitation_of(world.a.tenant, world.a.member.email) is None
    assert outbox.to(world.a.member.email) == []


def test_a_member_of_another_tenant_can_be_invited(login_as, world, outbox):
    assert invite(login_as(world.a.admin), email=world.b.member.email).status_code == 302
    assert invitation_of(world.a.tenant, world.b.member.email) is not None


def test_inviting_twice_is_a_form_error(login_as, world):
    client = login_as(world.a.admin)
    invite(client)
    response = invite(client, role="member")
    assert response.status_code == 422
    assert "already been invited" in response.get_data(as_text=True)
    with tenant_scope(world.a.tenant):
        assert db.session.scalar(select(func.count(Invitation.id))) == 1


@pytest.mark.parametrize(
    ("email", "role"), [("not an address", "member"), (NEW_PERSON, "emperor"), ("", "member")]
)
def test_bad_input_is_a_field_error(login_as, world, email, role):
    response = invite(login_as(world.a.admin), email=email, role=role)
    assert response.status_code == 422
    assert "field--error" in response.get_data(as_text=True)
    assert invitation_of(world.a.tenant) is None


@pytest.mark.parametrize("who", ["facilitator", "official", "member"])
def test_only_the_board_may_invite(login_as, world, who):
    client = login_as(getattr(world.a, who))
    assert client.get(INVITE).status_code == 403
    assert invite(client).status_code == 403
    assert invitation_of(world.a.tenant) is None


def test_an_operator_may_invite(login_as, world):
    assert invite(login_as(world.operator)).status_code == 302
    assert invitation_of(world.a.tenant).invited_by_id == world.operator.id


def test_the_board_of_another_tenant_cannot_invite(login_as, world):
    client = login_as(world.b.admin)
    assert client.get(INVITE).status_code == 404
    assert invite(client).status_code == 404
    assert invitation_of(world.a.tenant) is None


# --- accepting --------------------------------------------------------------------------------


def test_accept_page_shows_tenant_and_role(client, world, invited):
    response = client.get(invited)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Kring A" in page and Role.FACILITATOR.label in page and NEW_PERSON in page
    assert 'name="name"' in page and 'name="password"' in page


@pytest.mark.both_databases
def test_accepting_creates_the_account_and_membership(app, client, world, invited):
    response = client.post(
        invited, data={"name": "Nieuwe Persoon", "password": PASSWORD, "password_repeat": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/kring-a/"
    assert NEW_PERSON in client.get("/account/").get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == NEW_PERSON))
    assert user.name == "Nieuwe Persoon"
    assert role_in(world.a.tenant, user.id) == Role.FACILITATOR
    assert role_in(world.b.tenant, user.id) is None
    invitation = invitation_of(world.a.tenant)
    assert invitation.accepted_by_id == user.id and invitation.accepted_at is not None
    assert actions(world.a.tenant)[-1] == "invitation.accepted"
    other = app.test_client()
    assert other.post("/account/login", data={"email": NEW_PERSON, "password": PASSWORD}).status_code == 302


def test_accepting_without_password_means_signing_in_by_link(app, client, world, invited, outbox):
    response = client.post(invited, data={"name": "Link Persoon", "password": "", "password_repeat": ""})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == NEW_PERSON))
    assert user.password_hash is None
    client.post("/account/logout")
    client.post("/account/magic", data={"email": NEW_PERSON})
    assert client.post(link_in(outbox.last(NEW_PERSON), "/account/magic/")).status_code == 302


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "password": PASSWORD, "password_repeat": PASSWORD}, "name"),
        ({"name": "X", "password": "short", "password_repeat": "short"}, "password"),
        ({"name": "X", "password": PASSWORD, "password_repeat": "different!!"}, "password_repeat"),
    ],
)
def test_bad_account_details_keep_the_invitation(client, world, invited, data, field):
    response = client.post(invited, data=data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert invitation_of(world.a.tenant).accepted_at is None
    assert db.session.scalar(select(User).where(User.email == NEW_PERSON)) is None


def test_the_link_works_once(client, world, invited):
    client.post(invited, data={"name": "Eerste", "password": PASSWORD, "password_repeat": PASSWORD})
    client.post("/account/logout")
    again = client.get(invited)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert (
        client.post(
            invited, data={"name": "Tweede", "password": PASSWORD, "password_repeat": PASSWORD}
        ).status_code
        == 410
    )


def test_expired_invitation(client, world, invited):
    expire_invitation(world.a.tenant)
    response = client.get(invited)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    assert (
        client.post(
            invited, data={"name": "Te Laat", "password": PASSWORD, "password_repeat": PASSWORD}
        ).status_code
        == 410
    )
    assert db.session.scalar(select(User).where(User.email == NEW_PERSON)) is None


def test_unknown_invitation(client):
    assert client.get("/account/invitations/not-a-token").status_code == 404


def test_existing_account_signed_in_joins_with_one_click(login_as, world, outbox):
    invite(login_as(world.a.admin), email=world.b.member.email, role="member")
    path = link_in(outbox.last(world.b.member.email), "/account/invitations/")
    client = login_as(world.b.member)
    page = client.get(path).get_data(as_text=True)
    assert 'name="password"' not in page and "Join Kring A" in page
    response = client.post(path)
    assert response.status_code == 302
    assert role_in(world.a.tenant, world.b.member.id) == Role.MEMBER
    assert role_in(world.b.tenant, world.b.member.id) == Role.MEMBER  # the other membership stays


def test_existing_account_not_signed_in_is_asked_to_sign_in_and_come_back(client, login_as, world, outbox):
    invite(login_as(world.a.admin), email=world.outsider.email, role="municipality")
    client.post("/account/logout")
    path = link_in(outbox.last(world.outsider.email), "/account/invitations/")
    page = client.get(path).get_data(as_text=True)
    assert 'name="password"' not in page
    assert f"/account/login?next={path}" in page
    assert (
        client.post(
            path, data={"name": "Someone", "password": PASSWORD, "password_repeat": PASSWORD}
        ).status_code
        == 409
    )
    assert role_in(world.a.tenant, world.outsider.id) is None
    response = client.post(
        "/account/login", data={"email": world.outsider.email, "password": World.password, "next": path}
    )
    assert response.headers["Location"] == path
    assert client.post(path).status_code == 302
    assert role_in(world.a.tenant, world.outsider.id) == Role.MUNICIPALITY


def test_signed_in_as_someone_else_cannot_accept(login_as, world, invited):
    client = login_as(world.b.admin)
    response = client.get(invited)
    assert "you are signed in as" in response.get_data(as_text=True)
    assert client.post(invited).status_code == 409
    assert role_in(world.a.tenant, world.b.admin.id) is None
    assert invitation_of(world.a.tenant).accepted_at is None


def test_an_account_created_meanwhile_must_sign_in(client, world, invited):
    create_user(NEW_PERSON, "Snel Geweest", password=PASSWORD)
    db.session.commit()
    response = client.post(invited, data={"name": "X", "password": PASSWORD, "password_repeat": PASSWORD})
    assert response.status_code == 409
    assert invitation_of(world.a.tenant).accepted_at is None


# --- resending and withdrawing ------------------------------------------------------------------


def test_resend_sends_a_new_link_and_voids_the_old(login_as, world, outbox, invited):
    client = login_as(world.a.admin)
    invitation_id = expire_invitation(world.a.tenant)
    response = client.post(
        f"/kring-a/admin/people/invitations/{invitation_id}/resend",
        data={"next": "/kring-a/admin/people/invitations/"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/kring-a/admin/people/invitations/"
    new_path = link_in(outbox.last(NEW_PERSON), "/account/invitations/")
    assert new_path != invited
    assert len(outbox.to(NEW_PERSON)) == 2
    client.post("/account/logout")
    assert client.get(invited).status_code == 404
    assert client.get(new_path).status_code == 200
    assert actions(world.a.tenant)[-1] == "invitation.resent"


def test_revoke_asks_first_then_voids_the_link(login_as, world, invited):
    client = login_as(world.a.admin)
    invitation = invitation_of(world.a.tenant)
    url = f"/kring-a/admin/people/invitations/{invitation.id}/revoke"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert NEW_PERSON in confirm.get_data(as_text=True)
    assert invitation_of(world.a.tenant).revoked_at is None
    assert client.post(url).status_code == 302
    assert invitation_of(world.a.tenant).revoked_at is not None
    assert actions(world.a.tenant)[-1] == "invitation.revoked"
    client.post("/account/logout")
    response = client.get(invited)
    assert response.status_code == 410
    assert "withdrawn" in response.get_data(as_text=True)


def test_revoke_returns_to_the_page_it_came_from(login_as, world, invited):
    client = login_as(world.a.admin)
    invitation = invitation_of(world.a.tenant)
    back = "/kring-a/admin/people/invitations/"
    url = f"/kring-a/admin/people/invitations/{invitation.id}/revoke"
    page = client.get(f"{url}?next={back}").get_data(as_text=True)
    assert f'action="{url}?next=' in page
    response = client.post(f"{url}?next={back}")
    assert response.headers["Location"] == back
    invite(client, email="second@example.com")
    second = invitation_of(world.a.tenant, "second@example.com")
    resent = client.post(
        f"/kring-a/admin/people/invitations/{second.id}/resend", data={"next": "https://evil.example.com/"}
    )
    assert resent.headers["Location"] == "/kring-a/admin/people/"  # never an open redirect


def test_a_revoked_invitation_cannot_be_resent_or_revoked_again(login_as, world, invited):
    client = login_as(world.a.admin)
    invitation = invitation_of(world.a.tenant)
    client.post(f"/kring-a/admin/people/invitations/{invitation.id}/revoke")
    assert client.post(f"/kring-a/admin/people/invitations/{invitation.id}/resend").status_code == 409
    assert client.post(f"/kring-a/admin/people/invitations/{invitation.id}/revoke").status_code == 409


def test_after_revoking_the_address_can_be_invited_again(login_as, world, invited):
    client = login_as(world.a.admin)
    invitation = invitation_of(world.a.tenant)
    client.post(f"/kring-a/admin/people/invitations/{invitation.id}/revoke")
    assert invite(client).status_code == 302


def test_another_tenant_cannot_touch_the_invitation(login_as, world, invited):
    invitation = invitation_of(world.a.tenant)
    client = login_as(world.b.admin)
    for method, suffix in (("post", "resend"), ("get", "revoke"), ("post", "revoke")):
        assert (
            getattr(client, method)(f"/kring-b/admin/people/invitations/{invitation.id}/{suffix}").status_code
            == 404
        )
        assert (
            getattr(client, method)(f"/kring-a/admin/people/invitations/{invitation.id}/{suffix}").status_code
            == 404
        )
    assert invitation_of(world.a.tenant).revoked_at is None
    page = client.get("/kring-b/admin/people/").get_data(as_text=True)
    assert NEW_PERSON not in page


def test_invitations_page_lists_open_invitations_only(login_as, world, invited):
    client = login_as(world.a.admin)
    invite(client, email="second@example.com")
    invite(client, email="third@example.com")
    third = invitation_of(world.a.tenant, "third@example.com")
    client.post(f"/kring-a/admin/people/invitations/{third.id}/revoke", follow_redirects=True)
    page = client.get("/kring-a/admin/people/invitations/").get_data(as_text=True)
    assert NEW_PERSON in page and "second@example.com" in page
    assert "third@example.com" not in page
    assert "second@example.com" not in login_as(world.b.admin).get(
        "/kring-b/admin/people/invitations/"
    ).get_data(as_text=True)


def test_an_account_created_during_the_accept_request_gives_a_form_error(client, world, invited, monkeypatch):
    """The race the 409 above cannot see: the page said "register", then the service
    finds an account after all. The page comes back with the error, not a 500."""
    from kringwerk.accounts import invitations, services

    def account_appeared(*args, **kwargs):
        raise services.AccountError("There is already an account for this e-mail address.", field="name")

    monkeypatch.setattr(invitations, "accept_invitation", account_appeared)
    response = client.post(invited, data={"name": "X", "password": PASSWORD, "password_repeat": PASSWORD})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is already an account" in page and NEW_PERSON in page
    assert invitation_of(world.a.tenant).accepted_at is None
