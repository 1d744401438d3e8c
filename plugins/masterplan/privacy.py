"""Letting go of a company or contact person about to be deleted, and what the
plugin holds on a member (AVG access and erasure).

A project keeps its content when its owning company or person goes; only the tie
is cut (composite keys cannot ``SET NULL`` themselves). These hooks run through
``all_hooks()``, so also where the plugin is disabled.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from kringwerk.plugin_api import ContactPerson, db, hookimpl, record, tenant_scope
from plugins.masterplan import contributions, parks
from plugins.masterplan.models import Allocation, Item, PlanChange, Project, Support


@hookimpl
def company_removed(tenant, company):
    with tenant_scope(tenant):
        contact_ids = select(ContactPerson.id).where(ContactPerson.company_id == company.id)
        db.session.execute(
            update(Project)
            .where(Project.owner_contact_id.in_(contact_ids))
            .values(owner_contact_id=None)
            .execution_options(synchronize_session="fetch")
        )
        db.session.execute(
            update(Project)
            .where(Project.owner_company_id == company.id)
            .values(owner_company_id=None)
            .execution_options(synchronize_session="fetch")
        )
        db.session.flush()


@hookimpl
def contact_removed(tenant, contact):
    """The projects the person owned stay, without them (the change log keeps only the
    number, shown as "a removed person"); logged as ``masterplan.contact_erased``."""
    with tenant_scope(tenant):
        owned = db.session.execute(
            update(Project)
            .where(Project.owner_contact_id == contact.id)
            .values(owner_contact_id=None)
            .execution_options(synchronize_session="fetch")
        ).rowcount
        db.session.flush()
        if owned:
            record(
                "masterplan.contact_erased",
                # The trail names the person by number only: it must not keep what was erased.
                target_label=f"#{contact.id}",
                details={"projects_without_owner": owned},
            )
            db.session.flush()


@hookimpl
def contact_export(tenant, contact):
    """The projects a contact person owns (and, with an account, what the member export holds)."""
    with tenant_scope(tenant):
        projects = db.session.scalars(
            select(Project).where(Project.owner_contact_id == contact.id).order_by(Project.id)
        ).all()
        if not projects:
            return None
        return {
            "projects_owned": [
                {
                    "title": project.title,
                    "status": project.status.value,
                    "created_at": project.created_at.isoformat(),
                }
                for project in projects
            ]
        }


@hookimpl
def member_export(tenant, user):
    """The wishes and challenges the user added, what they supported, and the park steps they own."""
    with tenant_scope(tenant):
        added = db.session.scalars(select(Item).where(Item.added_by_id == user.id)).all()
        supported = db.session.scalars(select(Support.item_id).where(Support.user_id == user.id)).all()
        steps = parks.owned_steps(user)
        if not added and not supported and not steps:
            return None
        return {
            "items": [
                {"kind": item.kind.value, "text": item.text, "created_at": item.created_at.isoformat()}
                for item in added
            ],
            "supported_item_ids": list(supported),
            "park_steps_owned": steps,
        }


@hookimpl
def member_erase(tenant, user):
    """The plan's text stays (it belongs to the association); the person's name, support
    and points go (a closed round keeps its result on the round itself)."""
    with tenant_scope(tenant):
        db.session.execute(delete(Support).where(Support.user_id == user.id))
        db.session.execute(delete(Allocation).where(Allocation.user_id == user.id))
        db.session.execute(
            update(Item)
            .where(Item.added_by_id == user.id)
            .values(added_by_id=None, added_by_name=None)
            .execution_options(synchronize_session="fetch")
        )
        db.session.execute(
            update(PlanChange)
            .where(PlanChange.user_id == user.id)
            .values(user_id=None, user_name=None)
            .execution_options(synchronize_session="fetch")
        )
        parks.let_go_of(user)  # the park's steps stay, without this owner
        contributions.let_go_of(user)  # links to goals and events stay, without who made them
        db.session.flush()
