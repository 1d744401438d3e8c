"""Fixtures for the masterplan tests: the plugin enabled in both tenants, a plan in
each, and a company with a contact person in A.

Use objects inside ``tenant_scope(...)`` and plain ids everywhere else: the
fixtures commit, and an expired row of a tenant reloads only in its scope.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.members.models import Circle, Company, ContactPerson, Theme
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.masterplan.models import Masterplan, Scope


@dataclass
class PlanWorld:
    world: object
    plan_a: int
    plan_b: int
    themes_a: list  # theme ids of A, in position order
    themes_b: list
    company_a: int
    contact_a: int
    company_b: int

    @property
    def a(self):
        return self.world.a

    @property
    def b(self):
        return self.world.b


def _plan(tenant, title, **values) -> int:
    with tenant_scope(tenant):
        plan = Masterplan(title=title, ambition="Een toekomstbestendig bedrijventerrein.", **values)
        db.session.add(plan)
        db.session.flush()
        return plan.id


def _themes(tenant) -> list[int]:
    with tenant_scope(tenant):
        return list(
            db.session.scalars(
                select(Theme.id).where(Theme.active.is_(True)).order_by(Theme.position, Theme.id)
            )
        )


@pytest.fixture
def plan_world(world) -> PlanWorld:
    for side in (world.a, world.b):
        enable_plugin(side.tenant, "masterplan")
    with tenant_scope(world.a.tenant):
        circle = Circle(name="Noord")
        company = Company(name="Alpha Bouw BV")
        company.contacts.append(ContactPerson(name="Anna", email="anna@alpha.test"))
        db.session.add_all([circle, company])
        db.session.flush()
        circle_id, company_a, contact_a = circle.id, company.id, company.contacts[0].id
    with tenant_scope(world.b.tenant):
        bravo = Company(name="Bravo Logistiek")
        db.session.add(bravo)
        db.session.flush()
        company_b = bravo.id
    plan_a = _plan(world.a.tenant, "Masterplan Noord", scope=Scope.CIRCLE, circle_id=circle_id)
    plan_b = _plan(world.b.tenant, "Masterplan of tenant B")
    db.session.commit()
    return PlanWorld(
        world,
        plan_a,
        plan_b,
        _themes(world.a.tenant),
        _themes(world.b.tenant),
        company_a,
        contact_a,
        company_b,
    )
