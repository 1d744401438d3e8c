"""Who may do what in the current tenant.

Roles come from ``Membership``; a platform operator counts as every role.
Outside your tenants everything answers 404, so tenant data never leaks
through a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from kringwerk.accounts.models import Membership, Role
from kringwerk.extensions import db
from kringwerk.tenancy.routing import current_tenant

MANAGERS = (Role.ADMIN, Role.FACILITATOR)
_CACHE = "_kringwerk_memberships"


def current_membership() -> Membership | None:
    """The signed-in user's membership in the current tenant: loaded with the user
    (``remember_membership``), else one query, once per request."""
    tenant = current_tenant()
    if tenant is None or not current_user.is_authenticated:
        return None
    cache = g.setdefault(_CACHE, {})
    # Keyed by the user too: a sign-in within the request must not inherit a membership.
    key = (tenant.id, current_user.id)
    if key not in cache:
        cache[key] = db.session.scalar(select(Membership).where(Membership.user_id == current_user.id))
    return cache[key]


def remember_membership(user, membership: Membership | None) -> None:
    """Keep ``user``'s membership of the request's tenant (None: not a member), loaded
    with the user in one statement, for ``current_membership``."""
    tenant = current_tenant()
    if tenant is None or (membership is not None and membership.tenant_id != tenant.id):
        return
    g.setdefault(_CACHE, {})[(tenant.id, user.id)] = membership


def is_operator() -> bool:
    return bool(current_user.is_authenticated and current_user.is_operator)


def has_role(*roles: Role | str) -> bool:
    """True when the user is a member of the current tenant with one of ``roles``
    (any role when none are given), or an operator."""
    if is_operator():
        return current_tenant() is not None
    membership = current_membership()
    if membership is None:
        return False
    return not roles or membership.role in roles


def require_member(*roles: Role | str) -> Callable:
    """Decorate a tenant view: sign-in required, then membership (404 without),
    then one of ``roles`` (403 without) when given."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if current_tenant() is None:
                abort(404)
            if not current_user.is_authenticated:
                if request.method in ("GET", "HEAD"):
                    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
                abort(401)
            if not is_operator():
                membership = current_membership()
                if membership is None:
                    abort(404)
                if roles and membership.role not in roles:
                    abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def require_operator(view):
    """Operator console views: everyone but an operator gets 404."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not is_operator():
            abort(404)
        return view(*args, **kwargs)

    return wrapper
