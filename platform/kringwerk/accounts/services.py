"""Business rules for accounts: users and passwords, the profile, and what the
other account modules share (errors, the language to write in, queueing mail).
Sign-in links are in ``signin``, invitations in ``invitations``, the people of
a tenant and their personal data (AVG) in ``people``.

Everything here works without a request. Services flush and leave the
commit to the caller. Those that send mail queue it with ``send_mail``
before that commit: the delivery job goes out only when the caller commits,
so a message never points at a row that was rolled back.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from kringwerk.accounts.models import User
from kringwerk.extensions import db, utcnow
from kringwerk.tenancy.models import Tenant

log = logging.getLogger("kringwerk.accounts")

MIN_PASSWORD_LENGTH = 10


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


def sign_out(user: User) -> None:
    """End every session of ``user``, this one and those on other devices.

    The session lives in a signed cookie, so clearing it here cannot stop a copy
    from working; only a new version in the database can (see the user loader).
    """
    end_other_sessions(user)


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


def send_account_mail(to: str, subject, template: str, *, locale: str, context: dict[str, Any]) -> bool:
    """Queue a message (delivered after the caller's commit); a failure is logged, not raised,
    so a page never answers differently for an address that has an account."""
    from kringwerk.mail import send_mail

    try:
        send_mail(to, subject, template, locale=locale, context=context)
    except Exception:  # noqa: BLE001 - any transport error; the caller reports it if it matters
        log.exception("could not send %s mail to %s", template, to)
        return False
    return True


def absolute_link(path: str) -> str:
    return f"{current_app.config['BASE_URL']}{path}"
