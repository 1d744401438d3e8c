"""Accounts: users, their memberships and roles per tenant, sign-in
(password or magic link), password reset, rate limiting, invitations, the
people admin of a tenant and the AVG export and erasure of a member's data.

The session's user (with their membership of the request's tenant) is kept per process
until the next committed write anywhere (``tenancy.cache.remember``): every change that
can end or narrow a session (a password change or sign-out everywhere bumps
``session_version``, a closed or erased account, a removed membership or changed role) is
a write, so the next request of every worker reads them again and applies the same checks.
"""

from __future__ import annotations

import functools

from flask import Flask, g, session
from flask_babel import lazy_gettext as _l
from flask_login import user_logged_in
from sqlalchemy import and_, bindparam, select

from kringwerk.accounts.permissions import remember_membership
from kringwerk.extensions import db, login_manager
from kringwerk.tenancy import cache
from kringwerk.tenancy.context import current_tenant_id, unscoped_reason
from kringwerk.tenancy.routing import current_tenant


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
        user, membership, with_membership = _session_user(int(user_id))
        if user is None or user.session_version != int(version) or not user.active:
            return None
        if with_membership:
            remember_membership(user, membership)
        return user

    user_logged_in.connect(_fresh_csrf_token, app)
    app.register_blueprint(views.bp)


def _session_user(user_id: int):
    """``_user_and_membership`` kept per process until the next write (none when the
    request has written: then it reads). A request gets its session's own instances of the
    kept copies (no query), so what a view changes on them is saved as usual. The tenant
    in scope is part of the key (``remember``), so one tenant's membership never serves
    another; a key without a membership serves requests that load none."""
    with_membership = _membership_wanted(current_tenant())

    def build():
        user, membership, loaded = _user_and_membership(user_id)
        if user is None:
            return None  # not kept: asked again, as before
        return (
            cache.detached_copy(user),
            None if membership is None else cache.detached_copy(membership),
            loaded,
        )

    kept = cache.remember(("session user", user_id, with_membership), build)
    if kept is None:
        return None, None, False
    user, membership, loaded = kept
    return (
        cache.in_session(user),
        None if membership is None else cache.in_session(membership),
        loaded,
    )


def _membership_wanted(tenant) -> bool:
    """Whether the user's membership comes with them: on a tenant's URL, in its own scope."""
    return not (tenant is None or current_tenant_id() != tenant.id or unscoped_reason() is not None)


def _user_and_membership(user_id: int):
    """The session's user and, on a tenant's URL, their membership of that tenant in
    the same statement (the membership is asked for by nearly every tenant page).
    Returns ``(user, membership, with_membership)``; the last is False when the
    membership was not loaded (no tenant, or the request runs in another scope
    right now) and ``current_membership`` should look it up itself."""
    from kringwerk.accounts.models import User

    tenant = current_tenant()
    if not _membership_wanted(tenant):
        return db.session.get(User, user_id), None, False
    statement = _user_with_membership_statement()
    row = db.session.execute(statement, {"user_id": user_id, "tenant_id": tenant.id}).first()
    if row is None:
        return None, None, False
    return row[0], row[1], True


@functools.cache
def _user_with_membership_statement():
    """SELECT of a user (``user_id``) with their membership of one tenant (``tenant_id``).

    Built once per process with bound parameters and reused: building it anew (the
    join's comparisons, coercions and cache key) cost more than running it, on every
    signed-in tenant page. It holds no data; the tenant wall adds its own tenant
    filter to the join when it runs, as for every statement, so a ``tenant_id`` of
    another tenant than the one in scope finds no membership.
    """
    from kringwerk.accounts.models import Membership, User

    # The outer join keeps the user when they are no member (an operator, a
    # network's peer, an outsider).
    return (
        select(User, Membership)
        .outerjoin(
            Membership,
            and_(Membership.user_id == User.id, Membership.tenant_id == bindparam("tenant_id")),
        )
        .where(User.id == bindparam("user_id"))
    )


def _fresh_csrf_token(app: Flask, **_extra) -> None:
    """Every sign-in starts a new CSRF token: one planted or read before sign-in
    (on a shared computer, or fixed by an attacker) must not work for the account."""
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(field, None)
    g.pop(field, None)
