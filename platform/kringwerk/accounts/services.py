"""Business rules for accounts: sign-in (password or magic link), password
reset and change, invitations into a tenant, the people of a tenant (roles,
removal) and their personal data (AVG export and erasure).

Everything here works without a request. Services flush and leave the
commit to the caller. Those that send mail queue it with ``send_mail``
before that commit: the delivery job goes out only when the caller commits,
so a message never points at a row that was rolled back.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import contains_eager, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from kringwerk.accounts.models import (
    AuthToken,
    Invitation,
    InvitationStatus,
    Membership,
    Role,
    TokenPurpose,
    User,
)
from kringwerk.audit.services import record
from kringwerk.extensions import db, utcnow
from kringwerk.tenancy.context import tenant_scope, unscoped
from kringwerk.tenancy.models import Tenant
from kringwerk.tokens.primitives import hash_token, new_token

log = logging.getLogger("kringwerk.accounts")

MAGIC_LINK_LIFETIME = timedelta(minutes=15)
PASSWORD_RESET_LIFETIME = timedelta(hours=1)
INVITATION_LIFETIME = timedelta(days=14)
MIN_PASSWORD_LENGTH = 10
INVITABLE_ROLES = (Role.ADMIN, Role.FACILITATOR, Role.MUNICIPALITY, Role.MEMBER)


class AccountError(ValueError):
    """A change that cannot be made; ``message`` is for the user, ``field`` names the form field."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class LastAdminError(AccountError):
    """The tenant would be left without a board member."""


class TokenError(AccountError):
    """A link that cannot be used: ``reason`` is unknown, expired, used or revoked."""

    MESSAGES = {
        "unknown": _l("This link is not valid. Perhaps it was copied incompletely."),
        "expired": _l("This link has expired."),
        "used": _l("This link has already been used."),
        "revoked": _l("This invitation has been withdrawn."),
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.MESSAGES[reason])
        self.reason = reason

    @property
    def status(self) -> int:
        # 410 Gone: the link existed but is over; 404: we never issued it.
        return 404 if self.reason == "unknown" else 410


# --- users and passwords ------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("kringwerk-timing-equaliser", method=method)


def validate_password(password: str | None) -> str:
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _l("Use at least %(count)s characters.", count=MIN_PASSWORD_LENGTH), field="password"
        )
    return password


def set_password(user: User, password: str) -> None:
    user.password_hash = _hash(password)


def check_password(user: User | None, password: str) -> bool:
    if user is None or not user.password_hash:
        # Same work whether or not the account (or its password) exists, so timing tells nothing.
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return False
    return check_password_hash(user.password_hash, password)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail address and password, or None (whatever the reason)."""
    user = find_user(email)
    if not check_password(user, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def create_user(
    email: str,
    name: str,
    *,
    password: str | None = None,
    locale: str | None = None,
    is_operator: bool = False,
) -> User:
    user = User(
        email=normalise_email(email), name=name.strip(), preferred_locale=locale, is_operator=is_operator
    )
    if password:
        set_password(user, password)
    db.session.add(user)
    return user


def end_other_sessions(user: User) -> None:
    """Every session signed in before this call stops working (see the user loader)."""
    user.session_version = (user.session_version or 1) + 1


def change_password(user: User, current: str | None, new: str) -> None:
    """Change the password of a signed-in user; the current one is needed when there is one.

    Ends the user's other sessions; the caller signs the current session in again.
    """
    if user.password_hash and not check_password(user, current or ""):
        raise AccountError(_l("This is not your current password."), field="current_password")
    set_password(user, validate_password(new))
    end_other_sessions(user)


def update_profile(user: User, *, name: str, locale: str | None) -> None:
    if not name or not name.strip():
        raise AccountError(_l("Enter your name."), field="name")
    if locale not in (None, "", *current_app.config["LANGUAGES"]):
        raise AccountError(_l("Choose one of the languages offered."), field="preferred_locale")
    user.name = name.strip()
    user.preferred_locale = locale or None


def mail_locale(user: User | None = None, tenant: Tenant | None = None) -> str:
    """The language to write to someone in: theirs, else the tenant's, else Dutch."""
    languages = current_app.config["LANGUAGES"]
    if user is not None and user.preferred_locale in languages:
        return user.preferred_locale
    if tenant is not None and tenant.default_locale in languages:
        return tenant.default_locale
    return "nl"


def _send(to: str, subject, template: str, *, locale: str, context: dict[str, Any]) -> bool:
    """Queue a message (delivered after the caller's commit); a failure is logged, not raised,
    so a page never answers differently for an address that has an account."""
    from kringwerk.mail import send_mail

    try:
        send_mail(to, subject, template, locale=locale, context=context)
    except Exception:  # noqa: BLE001 - any transport error; the caller reports it if it matters
        log.exception("could not send %s mail to %s", template, to)
        return False
    return True


def _link(path: str) -> str:
    return f"{current_app.config['BASE_URL']}{path}"


# --- single-use tokens (magic links, password resets) ------------------------------------
# Platform-level (no tenant), so they keep their own table; the token is made and
# hashed by kringwerk.tokens.primitives like every personal link.


def issue_auth_token(user: User, purpose: TokenPurpose) -> str:
    """Store a new token for ``user`` and return the raw token for the link."""
    now = utcnow()
    lifetime = MAGIC_LINK_LIFETIME if purpose == TokenPurpose.MAGIC_LINK else PASSWORD_RESET_LIFETIME
    # Old tokens serve no purpose any more; keep the table small.
    db.session.execute(
        delete(AuthToken)
        .where(AuthToken.user_id == user.id, AuthToken.purpose == purpose)
        .where((AuthToken.expires_at <= now) | AuthToken.used_at.is_not(None))
        .execution_options(synchronize_session=False)
    )
    raw, digest = new_token()
    db.session.add(AuthToken(user=user, purpose=purpose, token_hash=digest, expires_at=now + lifetime))
    return raw


def check_auth_token(raw: str, purpose: TokenPurpose) -> AuthToken:
    """The token behind ``raw`` if it can still be used; raises TokenError otherwise. Consumes nothing."""
    if not raw or len(raw) > 128:
        raise TokenError("unknown")
    token = db.session.scalar(
        select(AuthToken)
        .where(AuthToken.token_hash == hash_token(raw), AuthToken.purpose == purpose)
        .options(selectinload(AuthToken.user))
    )
    if token is None or not token.user.active:
        raise TokenError("unknown")
    if token.used_at is not None:
        raise TokenError("used")
    if token.expires_at <= utcnow():
        raise TokenError("expired")
    return token


def consume_auth_token(raw: str, purpose: TokenPurpose) -> User:
    """Use the token once and return its user. Safe against two requests racing for it."""
    token = check_auth_token(raw, purpose)
    now = utcnow()
    claimed = db.session.execute(
        update(AuthToken)
        .where(AuthToken.id == token.id, AuthToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise TokenError("used")
    token.used_at = now
    return token.user


def request_magic_link(email: str) -> bool:
    """Mail a sign-in link to ``email`` if it belongs to an active account (after the caller commits).

    Returns whether a link was queued; callers showing a page must answer the same either way.
    """
    user = find_user(email)
    if user is None or not user.active:
        return False
    raw = issue_auth_token(user, TokenPurpose.MAGIC_LINK)
    db.session.flush()
    return _send(
        user.email,
        _l("Your sign-in link for Kringwerk"),
        "accounts/magic_link",
        locale=mail_locale(user),
        context={
            "name": user.name,
            "link": _link(f"/account/magic/{raw}"),
            "minutes": int(MAGIC_LINK_LIFETIME.total_seconds() // 60),
        },
    )


def sign_in_with_magic_link(raw: str) -> User:
    user = consume_auth_token(raw, TokenPurpose.MAGIC_LINK)
    user.last_login_at = utcnow()
    return user


def request_password_reset(email: str) -> bool:
    """Mail a password-reset link to ``email`` if it belongs to an active account (after the caller commits)."""
    user = find_user(email)
    if user is None or not user.active:
        return False
    raw = issue_auth_token(user, TokenPurpose.PASSWORD_RESET)
    db.session.flush()
    return _send(
        user.email,
        _l("Choose a new password for Kringwerk"),
        "accounts/password_reset",
        locale=mail_locale(user),
        context={
            "name": user.name,
            "link": _link(f"/account/reset/{raw}"),
            "minutes": int(PASSWORD_RESET_LIFETIME.total_seconds() // 60),
        },
    )


def reset_password(raw: str, password: str) -> User:
    """Set a new password through a reset link; every existing session and open link stops working."""
    validate_password(password)
    user = consume_auth_token(raw, TokenPurpose.PASSWORD_RESET)
    set_password(user, password)
    end_other_sessions(user)
    # Whoever had access to the old password may also hold a link: void them all.
    db.session.execute(
        update(AuthToken)
        .where(AuthToken.user_id == user.id, AuthToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    user.last_login_at = utcnow()
    return user


# --- tenants and memberships ---------------------------------------------------------------


def add_membership(tenant: Tenant, user: User, role: Role) -> Membership:
    """Give ``user`` ``role`` in ``tenant`` (inside that tenant's scope)."""
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    if membership is None:
        membership = Membership(user=user, role=role, tenant_id=tenant.id)
        db.session.add(membership)
    else:
        membership.role = role
    return membership


def tenants_of(user: User) -> list[tuple[Tenant, Role]]:
    """Every tenant ``user`` belongs to, with the role there, by tenant name."""
    with unscoped("list the tenants of the signed-in user"):
        rows = db.session.execute(
            select(Tenant, Membership.role)
            .join(Membership, Membership.tenant_id == Tenant.id)
            .where(Membership.user_id == user.id)
            .order_by(Tenant.name)
        ).all()
    return [(tenant, role) for tenant, role in rows]


def is_last_admin(membership: Membership) -> bool:
    """True when ``membership`` is the only board member of its tenant.

    The admin rows are locked (PostgreSQL) so two board members cannot demote each
    other at the same moment and leave nobody in charge.
    """
    if membership.role != Role.ADMIN:
        return False
    with tenant_scope(membership.tenant_id):
        admin_ids = db.session.scalars(
            select(Membership.id).where(Membership.role == Role.ADMIN).with_for_update()
        ).all()
    return list(admin_ids) == [membership.id]


def _guard_last_admin(membership: Membership, *, removing: bool) -> None:
    if not is_last_admin(membership):
        return
    name = membership.user.name
    if removing:
        message = _l(
            "%(name)s is the last board member and cannot be removed. Make someone else a board member first.",
            name=name,
        )
    else:
        message = _l(
            "%(name)s is the last board member. Make someone else a board member first, "
            "so the organisation keeps an administrator.",
            name=name,
        )
    raise LastAdminError(message, field="role")


def change_role(tenant: Tenant, membership: Membership, role: Role | str, *, actor) -> Membership:
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(_l("Choose one of the roles offered."), field="role") from None
    with tenant_scope(tenant):
        if membership.role == role:
            return membership
        if role != Role.ADMIN:
            _guard_last_admin(membership, removing=False)
        old = membership.role
        membership.role = role
        record(
            "membership.role_changed",
            actor=actor,
            target=membership,
            target_label=membership.user.email,
            details={"from": old.value, "to": role.value},
        )
        db.session.flush()
    return membership


def remove_membership(tenant: Tenant, membership: Membership, *, actor) -> None:
    """Take the user out of the tenant; the account itself stays (it may belong to other tenants)."""
    with tenant_scope(tenant):
        _guard_last_admin(membership, removing=True)
        record(
            "membership.removed",
            actor=actor,
            target=membership,
            target_label=membership.user.email,
            details={"role": membership.role.value},
        )
        db.session.delete(membership)
        db.session.flush()


def people_query(search: str | None = None, role: Role | None = None):
    """Memberships of the tenant in scope with their users, by name; for ``paginate``."""
    statement = (
        select(Membership)
        .join(Membership.user)
        .options(contains_eager(Membership.user))
        .order_by(func.lower(User.name), User.id)
    )
    if search and search.strip():
        term = search.strip()
        statement = statement.where(
            or_(User.name.icontains(term, autoescape=True), User.email.icontains(term, autoescape=True))
        )
    if role is not None:
        statement = statement.where(Membership.role == role)
    return statement


# --- invitations ------------------------------------------------------------------------------


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
        mailed = _send(**_invitation_mail(tenant, invitation, raw, actor))
    return invitation, mailed


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
            "link": _link(f"/account/invitations/{raw}"),
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
        return _send(**_invitation_mail(tenant, invitation, raw, actor))


def revoke_invitation(tenant: Tenant, invitation: Invitation, *, actor) -> None:
    with tenant_scope(tenant):
        if invitation.status in (InvitationStatus.ACCEPTED, InvitationStatus.REVOKED):
            raise AccountError(_l("This invitation has already been accepted or withdrawn."))
        invitation.revoked_at = utcnow()
        record("invitation.revoked", actor=actor, target=invitation, target_label=invitation.email)
        db.session.flush()


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


# --- personal data (AVG) ----------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_member(tenant: Tenant, membership: Membership, *, actor) -> dict[str, Any]:
    """Everything the tenant holds on the member, as JSON-ready data (AVG right of access).

    The account is global, but only what this tenant holds is exported.
    """
    from kringwerk.members import panel
    from kringwerk.members.models import ContactPerson
    from kringwerk.pluginhost import hooks

    with tenant_scope(tenant):
        user = membership.user
        contacts = db.session.scalars(
            select(ContactPerson)
            .where(ContactPerson.user_id == user.id)
            .options(selectinload(ContactPerson.company))
            .order_by(ContactPerson.id)
        ).all()
        invitations = db.session.scalars(
            select(Invitation).where(Invitation.email == user.email).order_by(Invitation.id)
        ).all()
        plugin_data = [result for result in hooks(tenant).member_export(tenant=tenant, user=user) if result]
        data = {
            "exported_at": utcnow().isoformat(),
            "tenant": {"slug": tenant.slug, "name": tenant.name},
            "user": {
                "id": user.id,
                "email": user.email,
                "name": user.name,
                "preferred_locale": user.preferred_locale,
                "has_password": bool(user.password_hash),
                "active": user.active,
                "created_at": _iso(user.created_at),
                "last_login_at": _iso(user.last_login_at),
            },
            "membership": {"role": membership.role.value, "created_at": _iso(membership.created_at)},
            "contact_persons": [
                {
                    "id": contact.id,
                    "name": contact.name,
                    "email": contact.email,
                    "phone": contact.phone,
                    "job_title": contact.job_title,
                    "company": {"id": contact.company.id, "name": contact.company.name},
                    "created_at": _iso(contact.created_at),
                }
                for contact in contacts
            ],
            "panel": panel.export_for(contact.id for contact in contacts),
            "invitations": [
                {
                    "role": invitation.role.value,
                    "status": invitation.status.value,
                    "created_at": _iso(invitation.created_at),
                    "accepted_at": _iso(invitation.accepted_at),
                }
                for invitation in invitations
            ],
            "plugins": plugin_data,
        }
        record("member.exported", actor=actor, target=membership, target_label=user.email)
        db.session.flush()
    return data


def _forget_deliveries(tenant: Tenant, email: str) -> None:
    """Drop the records of mail this tenant sent to ``email`` (their keys start with
    ``t<tenant id>:``); records of other tenants and of the platform stay."""
    from kringwerk.mail.models import SentMail

    db.session.execute(
        delete(SentMail)
        .where(SentMail.to == email, SentMail.key.startswith(f"t{tenant.id}:", autoescape=True))
        .execution_options(synchronize_session=False)
    )


def erase_member(tenant: Tenant, membership: Membership, *, actor) -> None:
    """Erase what this tenant holds on the member (AVG right to erasure) and end the membership.

    The global account and its other memberships stay: erasure never reaches beyond the tenant.
    """
    from kringwerk.members import panel
    from kringwerk.members.models import ContactPerson
    from kringwerk.pluginhost import hooks

    with tenant_scope(tenant):
        user = membership.user
        _guard_last_admin(membership, removing=True)
        hooks(tenant).member_erase(tenant=tenant, user=user)
        # Off the panel, and its leave links revoked, before the contact persons let go of the account.
        panel.erase_for(
            db.session.scalars(select(ContactPerson.id).where(ContactPerson.user_id == user.id)).all()
        )
        db.session.execute(
            update(ContactPerson)
            .where(ContactPerson.user_id == user.id)
            .values(user_id=None)
            .execution_options(synchronize_session="fetch")
        )
        db.session.execute(
            delete(Invitation)
            .where(Invitation.email == user.email)
            .execution_options(synchronize_session="fetch")
        )
        _forget_deliveries(tenant, user.email)
        # The trail names the account by number only: the entry must not keep what was erased.
        record("member.erased", actor=actor, target=membership, target_label=f"#{user.id}", details={})
        db.session.delete(membership)
        db.session.flush()
