"""A contact person without an account (AVG): the masterplan plugin exports the projects they
own, also while it is disabled; removing the contact keeps the projects without their owner
and logs it with counts only. Tenant B's projects stay as they are."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.members import privacy
from kringwerk.members.models import ContactPerson
from kringwerk.members.services import delete_contact
from kringwerk.pluginhost.services import disable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import projects
from plugins.masterplan.models import Masterplan, Project

pytestmark = pytest.mark.both_databases


def _project(w, title) -> int:
    with tenant_scope(w.a.tenant):
        plan = db.session.get(Masterplan, w.plan_a)
        project = projects.create_project(
            plan,
            {"title": title, "theme_id": w.themes_a[0], "owner_contact_id": w.contact_a},
            actor=w.a.admin,
        )
        project_id = project.id
    db.session.commit()
    return project_id


def test_contact_export_and_erasure(plan_world):
    w = plan_world
    project_id = _project(w, "Zon op de daken")
    with tenant_scope(w.b.tenant):
        plan_b = db.session.get(Masterplan, w.plan_b)
        projects.create_project(plan_b, {"title": "B's project", "theme_id": w.themes_b[0]}, actor=w.b.admin)
    disable_plugin(w.a.tenant, "masterplan")  # the projects stay, and so does the tie
    db.session.commit()
    with tenant_scope(w.a.tenant):
        data = privacy.export_contact(w.a.tenant, db.session.get(ContactPerson, w.contact_a), actor=w.a.admin)
        db.session.commit()
    [part] = [p for p in data["plugins"] if "projects_owned" in p]
    assert [p["title"] for p in part["projects_owned"]] == ["Zon op de daken"]
    assert "B's project" not in str(data)

    with tenant_scope(w.a.tenant):
        delete_contact(db.session.get(ContactPerson, w.contact_a), actor=w.a.admin)
        db.session.commit()
        kept = db.session.get(Project, project_id)
        assert (kept.title, kept.owner_contact_id) == ("Zon op de daken", None)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "masterplan.contact_erased"))
        assert entry.details == {"projects_without_owner": 1}
        assert entry.target_label == f"#{w.contact_a}"
    with tenant_scope(w.b.tenant):
        assert db.session.scalar(select(Project.title)) == "B's project"
        assert (
            db.session.scalar(select(AuditEntry).where(AuditEntry.action == "masterplan.contact_erased"))
            is None
        )
