"""Single-use sign-in links: magic links and password resets.

Platform-level (no tenant), so they keep their own table; the token is made and
hashed by kringwerk.tokens.primitives like every personal link. Services flush
and leave the commit to the caller; links are made and mailed by a job after
that commit.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from kringwerk.accounts.models import AuthToken, TokenPurpose, User
from kringwerk.accounts.services import (
    TokenError,
    absolute_link,
    end_other_sessions,
    find_user,
    mail_locale,
    normalise_email,
    send_account_mail,
    set_password,
    validate_password,
)
from kringwerk.extensions import db, utcnow
from kringwerk.jobs import enqueue
from kringwerk.tokens.primitives import hash_token, new_token

MAGIC_LINK_LIFETIME = timedelta(minutes=15)
PASSWORD_RESET_LIFETIME = timedelta(hours=1)


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


def request_magic_link(email: str) -> None:
    """Mail a sign-in link to ``email`` if it belongs to an active account: a job does
    it after the caller commits.

    The request does the same for every address, so how long it takes tells nobody
    whether the address has an account: looking it up, making the token and writing
    the mail all happen in the job (``mail_magic_link``).
    """
    enqueue(mail_magic_link, normalise_email(email), description="sign-in link")


def mail_magic_link(email: str) -> bool:
    """The job behind ``request_magic_link``; returns whether a link was queued."""
    user = find_user(email)
    if user is None or not user.active:
        return False
    raw = issue_auth_token(user, TokenPurpose.MAGIC_LINK)
    db.session.flush()
    return send_account_mail(
        user.email,
        _l("Your sign-in link for Kringwerk"),
        "accounts/magic_link",
        locale=mail_locale(user),
        context={
            "name": user.name,
            "link": absolute_link(f"/account/magic/{raw}"),
            "minutes": int(MAGIC_LINK_LIFETIME.total_seconds() // 60),
        },
    )


def sign_in_with_magic_link(raw: str) -> User:
    user = consume_auth_token(raw, TokenPurpose.MAGIC_LINK)
    user.last_login_at = utcnow()
    return user


def request_password_reset(email: str) -> None:
    """Mail a password-reset link to ``email`` if it belongs to an active account: a job
    does it after the caller commits, for the reason given at ``request_magic_link``."""
    enqueue(mail_password_reset, normalise_email(email), description="password-reset link")


def mail_password_reset(email: str) -> bool:
    """The job behind ``request_password_reset``; returns whether a link was queued."""
    user = find_user(email)
    if user is None or not user.active:
        return False
    raw = issue_auth_token(user, TokenPurpose.PASSWORD_RESET)
    db.session.flush()
    return send_account_mail(
        user.email,
        _l("Choose a new password for Kringwerk"),
        "accounts/password_reset",
        locale=mail_locale(user),
        context={
            "name": user.name,
            "link": absolute_link(f"/account/reset/{raw}"),
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
