"""``kringwerk demo`` gives Ondernemend Assen (seed 002) a masterplan per circle, with
wishes and challenges, a closed priority round that orders the themes, projects and a
goal with measurements; a second run adds nothing, and no other tenant (nor the test
world's tenants) gets a plan."""

from __future__ import annotations

from sqlalchemy import func, select

from kringwerk.demo.services import load_demo
from kringwerk.extensions import db
from kringwerk.members.models import Circle
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Tenant
from plugins.masterplan import contributions, rounds, versions
from plugins.masterplan.models import Goal, Item, Masterplan, PlanChange, PlanSnapshot, Project, Support


def _tenant(slug):
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def _plans(tenant):
    with tenant_scope(tenant):
        return db.session.scalar(select(func.count(Masterplan.id)))


def test_demo_masterplans_per_circle(app, world):
    load_demo()
    assen = _tenant("ondernemend-assen")
    enable_plugin(assen, "masterplan")  # whether or not the demo enables it, the hook then runs
    db.session.commit()
    load_demo()
    with tenant_scope(assen):
        circles = db.session.scalar(select(func.count(Circle.id)))
        assert circles == 4
        assert db.session.scalar(select(func.count(Masterplan.id))) == circles
        plan = db.session.scalar(select(Masterplan).order_by(Masterplan.id))
        assert [t.key for t in rounds.theme_order(plan)][:2] == ["energie", "bereikbaarheid"]
        assert db.session.scalar(select(func.count(Item.id)).where(Item.masterplan_id == plan.id)) >= 8
        assert db.session.scalar(select(func.count(Project.id)).where(Project.masterplan_id == plan.id)) == 2
        goal = db.session.scalar(select(Goal).where(Goal.masterplan_id == plan.id))
        assert len(goal.measurements) == 2
        # Members wrote the wishes (the history names them) and back each other's.
        writers = set(db.session.scalars(select(Item.added_by_name).where(Item.masterplan_id == plan.id)))
        assert writers == {"Ingrid Postma", "Jelle Hoekstra"}
        assert db.session.scalar(select(func.count(Support.id))) > 0
        assert (
            db.session.scalar(select(func.count(PlanChange.id)).where(PlanChange.masterplan_id == plan.id))
            > 8
        )
        # Two adopted versions, the later one with the wish that came in since.
        first, second = db.session.scalars(
            select(PlanSnapshot).where(PlanSnapshot.masterplan_id == plan.id).order_by(PlanSnapshot.id)
        ).all()
        added = [row.right for row in versions.compare(first.lines, second.lines) if row.change == "added"]
        assert any("Laadpleinen" in line for line in added)
        owned = db.session.scalar(select(Project).where(Project.title == "Collectieve zonnedaken").limit(1))
        assert owned.owner_company_id is not None and owned.owner_contact_id is not None
        assert [g.title for _link, g in contributions.project_goals(owned)] == ["Bedrijven met zonnepanelen"]
    load_demo()
    assert _plans(assen) == 4
    for side in (world.a, world.b):
        assert _plans(side.tenant) == 0
    ikl = _tenant("ikl")
    assert _plans(ikl) == 1  # the network demo's member plan (test_demo_network)
