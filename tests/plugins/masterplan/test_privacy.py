"""A project lets go of its owning company or person when they are deleted (the
project stays); a member's export lists their wishes, erasure removes their name.
Tenant B's data is untouched."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.members.models import Company, ContactPerson
from kringwerk.members.services import delete_company
from kringwerk.pluginhost.gating import all_hooks
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import plans, projects
from plugins.masterplan.models import Item, Masterplan, Project

pytestmark = pytest.mark.both_databases


def test_deleting_the_owning_company_keeps_the_project(plan_world):
    w = plan_world
    with tenant_scope(w.a.tenant):
        plan = db.session.get(Masterplan, w.plan_a)
        project = projects.create_project(
            plan,
            {
                "title": "Zon op de daken",
                "theme_id": w.themes_a[0],
                "owner_company_id": w.company_a,
                "owner_contact_id": w.contact_a,
            },
            actor=w.a.admin,
        )
        project_id = project.id
    db.session.commit()
    with tenant_scope(w.a.tenant):
        delete_company(db.session.get(Company, w.company_a), actor=w.a.admin)
    db.session.commit()
    db.session.expire_all()
    with tenant_scope(w.a.tenant):
        kept = db.session.get(Project, project_id)
        assert kept.title == "Zon op de daken"
        assert kept.owner_company_id is None and kept.owner_contact_id is None
        assert db.session.get(ContactPerson, w.contact_a) is None
    with tenant_scope(w.b.tenant):
        assert db.session.get(Company, w.company_b) is not None


def test_export_and_erasure_of_a_member(plan_world):
    w = plan_world
    with tenant_scope(w.a.tenant):
        plan = db.session.get(Masterplan, w.plan_a)
        wish = plans.add_item(plan, "wish", w.themes_a[0], "Meer groen", actor=w.a.member)
        plans.support(wish, actor=w.a.member)
    db.session.commit()
    with tenant_scope(w.a.tenant):
        exported = [
            e for e in all_hooks().member_export(tenant=w.a.tenant, user=w.a.member) if e and "items" in e
        ]
    assert exported[0]["items"][0]["text"] == "Meer groen"
    with tenant_scope(w.b.tenant):
        assert not [
            e for e in all_hooks().member_export(tenant=w.b.tenant, user=w.a.member) if e and "items" in e
        ]
    with tenant_scope(w.a.tenant):
        all_hooks().member_erase(tenant=w.a.tenant, user=w.a.member)
    db.session.commit()
    db.session.expire_all()
    with tenant_scope(w.a.tenant):
        item = db.session.scalar(select(Item))
        assert item.text == "Meer groen" and item.added_by_id is None and item.added_by_name is None
        assert plans.support_count(item) == 0
