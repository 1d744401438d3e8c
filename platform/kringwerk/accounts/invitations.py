"""Invitations into a tenant: inviting, sending again, withdrawing, and accepting
through the link (as a signed-in user or by creating the account).
Services flush and leave the commit to the caller; mail goes out after that commit.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from kringwerk.accounts.models import Invitation, InvitationStatus, Membership, Role, User
from kringwerk.accounts.people import add_membership
from kringwerk.accounts.services import (
    AccountError,
    TokenError,
    absolute_link,
    create_user,
    find_user,
    mail_locale,
    normalise_email,
    send_account_mail,
    validate_password,
)
from kringwerk.audit.services import record
from kringwerk.extensions import db, utcnow
from kringwerk.tenancy.context import tenant_scope, unscoped
from kringwerk.tenancy.models import Tenant
from kringwerk.tokens.primitives import hash_token, new_token

INVITATION_LIFETIME = timedelta(days=14)
INVITABLE_ROLES = (Role.ADMIN, Role.FACILITATOR, Role.MUNICIPALITY, Role.MEMBER)


def open_invitations_query():
    """Invitations of the tenant in scope that were neither accepted nor withdrawn, newest first."""
    return (
        select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .options(selectinload(Invitation.invited_by))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )


def invite(tenant: Tenant, email: str, role: Role | str, *, actor) -> tuple[Invitation, bool]:
    """Invite ``email`` into ``tenant`` with ``role`` and queue the mail with the link
    (sent when the caller commits). Returns the invitation and whether the mail was queued.
    """
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(_l("Enter a valid e-mail address."), field="email")
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(_l("Choose one of the roles offered."), field="role") from None
    with tenant_scope(tenant):
        already_member = db.session.scalar(
            select(Membership.id).join(Membership.user).where(User.email == email)
        )
        if already_member is not None:
            raise AccountError(_l("%(email)s is already a member.", email=email), field="email")
        pending = db.session.scalar(open_invitations_query().where(Invitation.email == email).limit(1))
        if pending is not None:
            raise AccountError(
                _l(
                    "%(email)s has already been invited. Send that invitation again from the list of invitations.",
                    email=email,
                ),
                field="email",
            )
        _guard_people_limit(tenant)
        raw, digest = new_token()
        invitation = Invitation(
            email=email,
            role=role,
            token_hash=digest,
            invited_by_id=getattr(actor, "id", None),
            expires_at=utcnow() + INVITATION_LIFETIME,
        )
        db.session.add(invitation)
        db.session.flush()
        record(
            "member.invited", actor=actor, target=invitation, target_label=email, details={"role": role.value}
        )
        mailed = send_account_mail(**_invitation_mail(tenant, invitation, raw, actor))
    return invitation, mailed


def _guard_people_limit(tenant: Tenant, *, accepting: bool = False) -> None:
    """Refuse one more person past the member limit of the tenant's plan (billing on only)."""
    from kringwerk.billing.services import people_refusal

    refusal = people_refusal(tenant, accepting=accepting)
    if refusal is not None:
        raise AccountError(refusal, field=None if accepting else "email")


def _invitation_mail(tenant: Tenant, invitation: Invitation, raw: str, actor) -> dict[str, Any]:
    return {
        "to": invitation.email,
        "subject": _l("You are invited to join %(tenant)s on Kringwerk", tenant=tenant.name),
        "template": "accounts/invitation",
        "locale": mail_locale(find_user(invitation.email), tenant),
        "context": {
            "tenant_name": tenant.name,
            "role": invitation.role,
            "inviter_name": getattr(actor, "name", None),
            "link": absolute_link(f"/account/invitations/{raw}"),
            "expires_at": invitation.expires_at,
            "sender_name": tenant.name,
        },
    }


def resend_invitation(tenant: Tenant, invitation: Invitation, *, actor) -> bool:
    """Queue a fresh link (the old one stops working) valid for another 14 days; the caller commits."""
    with tenant_scope(tenant):
        if invitation.status in (InvitationStatus.ACCEPTED, InvitationStatus.REVOKED):
            raise AccountError(_l("This invitation has been accepted or withdrawn and cannot be sent again."))
        raw, digest = new_token()
        invitation.token_hash = digest
        invitation.expires_at = utcnow() + INVITATION_LIFETIME
        record("invitation.resent", actor=actor, target=invitation, target_label=invitation.email)
        db.session.flush()
        return send_account_mail(**_invitation_mail(tenant, invitation, raw, actor))


def revoke_invitation(tenant: Tenant, invitation: Invitation, *, actor) -> None:
    with tenant_scope(tenant):
        if invitation.status in (InvitationStatus.ACCEPTED, InvitationStatus.REVOKED):
            raise AccountError(_l("This invitation has already been accepted or withdrawn."))
        invitation.revoked_at = utcnow()
        record("invitation.revoked", actor=actor, target=invitation, target_label=invitation.email)
        db.session.flush()


def _is_member(tenant: Tenant, user: User) -> bool:
    with tenant_scope(tenant):
        return db.session.scalar(select(Membership.id).where(Membership.user_id == user.id)) is not None


def find_invitation(raw: str) -> Invitation:
    """The invitation behind a link, from any tenant; raises TokenError when it cannot be used."""
    if not raw or len(raw) > 128:
        raise TokenError("unknown")
    with unscoped("an invitation link names its tenant only through the token"):
        invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(raw)))
    if invitation is None:
        raise TokenError("unknown")
    status = invitation.status
    if status == InvitationStatus.REVOKED:
        raise TokenError("revoked")
    if status == InvitationStatus.ACCEPTED:
        raise TokenError("used")
    if status == InvitationStatus.EXPIRED:
        raise TokenError("expired")
    return invitation


def accept_invitation(
    invitation: Invitation,
    *,
    user: User | None = None,
    name: str | None = None,
    password: str | None = None,
    locale: str | None = None,
) -> tuple[User, Membership]:
    """Accept as the signed-in ``user`` (whose address must be the invited one), or create
    the account from ``name`` and an optional ``password`` (without one, the person signs
    in by e-mail link). Flushes; on an error the caller rolls back."""
    existing = find_user(invitation.email)
    if user is None:
        if existing is not None:
            raise AccountError(_l("There is already an account for this e-mail address. Sign in to accept."))
        if not name or not name.strip():
            raise AccountError(_l("Enter your name."), field="name")
        if password:
            validate_password(password)
    elif user.email != invitation.email:
        raise AccountError(
            _l("This invitation is for %(email)s. Sign in with that address.", email=invitation.email)
        )
    tenant = db.session.get(Tenant, invitation.tenant_id)
    if user is None or not _is_member(tenant, user):
        # Invitations sent before a smaller plan may find no room left.
        _guard_people_limit(tenant, accepting=True)
    with tenant_scope(tenant):
        now = utcnow()
        # Claim the invitation first: of two simultaneous accepts, only one gets the row.
        claimed = db.session.execute(
            update(Invitation)
            .where(
                Invitation.id == invitation.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
            .values(accepted_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            raise TokenError("used")
        if user is None:
            user = create_user(invitation.email, name, password=password or None, locale=locale)
            db.session.flush()
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        if membership is None:
            membership = add_membership(tenant, user, invitation.role)
        invitation.accepted_at = now
        invitation.accepted_by_id = user.id
        record(
            "invitation.accepted",
            actor=user,
            target=invitation,
            target_label=invitation.email,
            details={"role": invitation.role.value},
        )
        user.last_login_at = now
        db.session.flush()
    return user, membership
