"""The people of a tenant: memberships and roles, removal, and the AVG export and
erasure of what the tenant holds on a member. Services flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import contains_eager, selectinload

from kringwerk.accounts.models import Invitation, Membership, Role, User
from kringwerk.accounts.services import AccountError, LastAdminError
from kringwerk.audit.services import forget_person, record
from kringwerk.extensions import db, utcnow
from kringwerk.tenancy.context import tenant_scope, unscoped
from kringwerk.tenancy.models import Tenant

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


# --- personal data (AVG) ----------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_member(tenant: Tenant, membership: Membership, *, actor) -> dict[str, Any]:
    """Everything the tenant holds on the member, as JSON-ready data (AVG right of access).

    The account is global, but only what this tenant holds is exported.
    """
    from kringwerk.members import panel
    from kringwerk.members.models import ContactPerson
    from kringwerk.pluginhost import all_hooks

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
        # Every installed plugin, enabled or not: a disabled plugin's rows are personal data too.
        plugin_data = [result for result in all_hooks().member_export(tenant=tenant, user=user) if result]
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
    from kringwerk.pluginhost import all_hooks

    with tenant_scope(tenant):
        user = membership.user
        _guard_last_admin(membership, removing=True)
        # Every installed plugin, as for the export: switching a plugin off must not keep its rows.
        all_hooks().member_erase(tenant=tenant, user=user)
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
        # The trail names the account by number only: no entry may keep what was erased.
        forget_person(
            replacement=f"#{user.id}", targets=[membership, user], addresses=[user.email], actor_id=user.id
        )
        record("member.erased", actor=actor, target=membership, target_label=f"#{user.id}", details={})
        db.session.delete(membership)
        db.session.flush()
