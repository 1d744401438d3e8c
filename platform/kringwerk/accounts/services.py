"""Business rules for accounts: sign-in, memberships, and the tenants a user belongs to."""

from __future__ import annotations

from functools import cache

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from kringwerk.accounts.models import Membership, Role, User
from kringwerk.extensions import db, utcnow
from kringwerk.tenancy.context import unscoped
from kringwerk.tenancy.models import Tenant


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("kringwerk-timing-equaliser", method=method)


def set_password(user: User, password: str) -> None:
    user.password_hash = _hash(password)


def check_password(user: User | None, password: str) -> bool:
    if user is None or not user.password_hash:
        # Same work whether or not the account exists, so timing tells nothing.
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return False
    return check_password_hash(user.password_hash, password)


def authenticate(email: str, password: str) -> User | None:
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
