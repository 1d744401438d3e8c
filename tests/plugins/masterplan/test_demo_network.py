"""``kringwerk demo`` gives Ondernemend Cleantech Regio its agenda's goals with the
Industriële Kring Lochem's goal rolled up into them, and a project of each linked to a
goal and to a meeting on the calendar; a second run adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from kringwerk.demo.services import load_demo
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Tenant
from plugins.masterplan import contributions, event_links, network_goals
from plugins.masterplan.models import Goal, GoalContribution, Masterplan, Project, ProjectEvent, ProjectGoal


def _tenant(slug):
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def _count(tenant, model) -> int:
    with tenant_scope(tenant):
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_demo_network_rolls_up_its_members_goals(app, world):
    load_demo()
    load_demo()
    region, ikl = _tenant("cleantech-regio"), _tenant("ikl")
    assert (_count(region, Masterplan), _count(ikl, Masterplan)) == (1, 1)
    assert (_count(region, ProjectGoal), _count(ikl, ProjectGoal)) == (1, 1)
    assert (_count(region, ProjectEvent), _count(ikl, ProjectEvent)) == (1, 1)
    assert _count(ikl, GoalContribution) == 1
    with tenant_scope(region):
        goal = db.session.scalar(select(Goal).where(Goal.title.like("Startups%")))
        rolled = network_goals.rollup(region, goal)
        assert [(m.name, m.latest) for m in rolled.members] == [("Industriële Kring Lochem", 8)]
        project = db.session.scalar(select(Project))
        (shown,) = event_links.linked(region, project)
        assert shown.title == "Themabijeenkomst circulair ondernemen" and not shown.gone
        assert [c.title for c in contributions.contributors(goal)] == [project.title]
    with tenant_scope(ikl):
        project = db.session.scalar(select(Project))
        assert project.owner_company_id is not None  # an entrepreneur owns it
    for side in (world.a, world.b):
        assert _count(side.tenant, GoalContribution) == 0 and _count(side.tenant, Masterplan) == 0
