"""The account services on their own, without HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from kringwerk.accounts import invitations, people, services, signin
from kringwerk.accounts.models import Invitation, Membership, Role, TokenPurpose
from kringwerk.accounts.services import AccountError, LastAdminError, TokenError
from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope


def membership(tenant, user) -> Membership:
    with tenant_scope(tenant):
        return db.session.scalar(select(Membership).where(Membership.user_id == user.id))


def test_a_token_is_consumed_once(world):
    raw = signin.issue_auth_token(world.a.member, TokenPurpose.MAGIC_LINK)
    db.session.commit()
    assert signin.consume_auth_token(raw, TokenPurpose.MAGIC_LINK).id == world.a.member.id
    db.session.commit()
    with pytest.raises(TokenError) as raised:
        signin.consume_auth_token(raw, TokenPurpose.MAGIC_LINK)
    assert raised.value.reason == "used" and raised.value.status == 410


def test_a_token_is_bound_to_its_purpose(world):
    raw = signin.issue_auth_token(world.a.member, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    with pytest.raises(TokenError) as raised:
        signin.check_auth_token(raw, TokenPurpose.MAGIC_LINK)
    assert raised.value.status == 404


def test_no_link_for_unknown_addresses(world, outbox):
    assert signin.mail_magic_link("nobody@example.com") is False
    assert signin.mail_password_reset("nobody@example.com") is False


def test_last_admin_rules(world):
    admin = membership(world.a.tenant, world.a.admin)
    assert people.is_last_admin(membership(world.a.tenant, world.a.admin)) is True
    with pytest.raises(LastAdminError):
        people.change_role(world.a.tenant, admin, Role.MEMBER, actor=world.a.admin)
    with pytest.raises(LastAdminError):
        people.remove_membership(world.a.tenant, admin, actor=world.a.admin)
    with pytest.raises(LastAdminError):
        people.erase_member(world.a.tenant, admin, actor=world.a.admin)
    db.session.rollback()
    # Tenant B's admin does not count for tenant A.
    assert people.is_last_admin(membership(world.b.tenant, world.b.admin)) is True
    people.change_role(
        world.a.tenant, membership(world.a.tenant, world.a.member), "admin", actor=world.a.admin
    )
    db.session.commit()
    assert people.is_last_admin(membership(world.a.tenant, world.a.admin)) is False
    people.change_role(
        world.a.tenant, membership(world.a.tenant, world.a.admin), Role.MEMBER, actor=world.a.admin
    )
    db.session.commit()
    assert membership(world.a.tenant, world.a.admin).role == Role.MEMBER


def test_change_role_to_the_same_role_records_nothing(world):
    people.change_role(
        world.a.tenant, membership(world.a.tenant, world.a.member), Role.MEMBER, actor=world.a.admin
    )
    with tenant_scope(world.a.tenant):
        assert "membership.role_changed" not in db.session.scalars(select(AuditEntry.action)).all()


def test_invite_refuses_bad_input(world):
    with pytest.raises(AccountError) as raised:
        invitations.invite(world.a.tenant, "no-at-sign", Role.MEMBER, actor=world.a.admin)
    assert raised.value.field == "email"
    with pytest.raises(AccountError) as raised:
        invitations.invite(world.a.tenant, "x@example.com", "emperor", actor=world.a.admin)
    assert raised.value.field == "role"


def test_an_invitation_is_accepted_once_even_when_two_try_at_once(world, outbox):
    invitation, queued = invitations.invite(
        world.a.tenant, "twice@example.com", Role.MEMBER, actor=world.a.admin
    )
    db.session.commit()
    assert queued
    with tenant_scope(world.a.tenant):
        invitation = db.session.scalar(select(Invitation))
    # Both requests loaded the invitation before either accepted it.
    invitations.accept_invitation(invitation, name="First", password=None)
    db.session.commit()
    # The commit expired the row, which can only be read again in its tenant's scope. The
    # second request's copy was loaded before the first accepted: it still says pending.
    with tenant_scope(world.a.tenant):
        db.session.refresh(invitation)
    set_committed_value(invitation, "accepted_at", None)
    set_committed_value(invitation, "accepted_by_id", None)
    with pytest.raises(TokenError):
        invitations.accept_invitation(invitation, user=services.find_user("twice@example.com"))
    db.session.rollback()


def test_accepting_for_another_address_is_refused(world):
    invitations.invite(world.a.tenant, "right@example.com", Role.MEMBER, actor=world.a.admin)
    db.session.commit()
    with tenant_scope(world.a.tenant):
        invitation = db.session.scalar(select(Invitation))
    with pytest.raises(AccountError):
        invitations.accept_invitation(invitation, user=world.b.member)
    assert membership(world.a.tenant, world.b.member) is None


def test_update_profile_validates(world, app):
    with pytest.raises(AccountError) as raised:
        services.update_profile(world.a.member, name="  ", locale="en")
    assert raised.value.field == "name"
    with pytest.raises(AccountError) as raised:
        services.update_profile(world.a.member, name="Anna", locale="de")
    assert raised.value.field == "preferred_locale"
    services.update_profile(world.a.member, name=" Anna ", locale="")
    assert (world.a.member.name, world.a.member.preferred_locale) == ("Anna", None)


def test_mail_locale_prefers_the_person_then_the_tenant(world):
    assert services.mail_locale(None, None) == "nl"
    world.a.tenant.default_locale = "en"
    assert services.mail_locale(None, world.a.tenant) == "en"
    world.a.member.preferred_locale = "nl"
    assert services.mail_locale(world.a.member, world.a.tenant) == "nl"
