"""Accounts: users, their memberships and roles per tenant, sign-in
(password or magic link), password reset, rate limiting, invitations, the
people admin of a tenant and the AVG export and erasure of a member's data."""

from __future__ import annotations

from flask import Flask, g, session
from flask_babel import lazy_gettext as _l
from flask_login import user_logged_in

from kringwerk.extensions import db, login_manager


def init_app(app: Flask) -> None:
    from kringwerk.accounts import admin, ratelimit, views  # noqa: F401 - admin adds its routes to views.bp
    from kringwerk.accounts.models import User

    ratelimit.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _, version = session_id.partition(".")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or user.session_version != int(version) or not user.active:
            return None
        return user

    user_logged_in.connect(_fresh_csrf_token, app)
    app.register_blueprint(views.bp)


def _fresh_csrf_token(app: Flask, **_extra) -> None:
    """Every sign-in starts a new CSRF token: one planted or read before sign-in
    (on a shared computer, or fixed by an attacker) must not work for the account."""
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(field, None)
    g.pop(field, None)
