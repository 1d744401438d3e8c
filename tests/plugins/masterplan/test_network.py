"""A regional network reads its member associations' goals rolled up as aggregates:
goals, goals on track and running projects per association; an association that left
the network drops out, and no row crosses."""

from __future__ import annotations

import pytest

from kringwerk.accounts.models import Role
from kringwerk.accounts.people import add_membership
from kringwerk.accounts.services import create_user
from kringwerk.extensions import db
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from kringwerk.tenants import affiliations as rules
from kringwerk.tenants.network import network_figures
from kringwerk.tenants.services import create_tenant
from plugins.masterplan import goals
from plugins.masterplan.models import Masterplan


def _join(network, member, actor):
    affiliation_id = rules.invite(network, member, actor=actor).id
    db.session.commit()
    with tenant_scope(member):
        rules.accept(member, rules.member_affiliation(member, affiliation_id), actor=actor)
    db.session.commit()
    return affiliation_id


def _goal(tenant, plan_id, actor, measurements):
    with tenant_scope(tenant):
        goal = goals.create_goal(
            db.session.get(Masterplan, plan_id),
            {
                "title": "Nieuwe business cases",
                "unit": "cases",
                "baseline": "60",
                "target": "100",
                "deadline": "2023-12-31",
            },
            actor=actor,
        )
        for day, value in measurements:
            goals.add_measurement(goal, {"measured_on": day, "value": value}, actor=actor)
    db.session.commit()


@pytest.mark.both_databases
def test_the_network_reads_its_members_goals_rolled_up(plan_world):
    w = plan_world
    region = create_tenant("cleantech", "Cleantech Regio", "region", default_locale="en")
    admin = create_user("admin@cleantech.example.com", "Admin Cleantech", password=w.world.password)
    db.session.flush()
    with tenant_scope(region):
        add_membership(region, admin, Role.ADMIN)
    enable_plugin(region, "masterplan")
    db.session.commit()
    _join(region, w.a.tenant, admin)
    left = _join(region, w.b.tenant, admin)
    with tenant_scope(w.b.tenant):
        rules.leave(w.b.tenant, rules.member_affiliation(w.b.tenant, left), actor=w.b.admin)
    db.session.commit()
    _goal(w.a.tenant, w.plan_a, w.a.admin, [("2020-01-01", "60"), ("2022-01-01", "90")])  # on track
    _goal(w.a.tenant, w.plan_a, w.a.admin, [("2020-01-01", "60"), ("2022-01-01", "61")])  # behind
    _goal(w.b.tenant, w.plan_b, w.b.admin, [("2020-01-01", "60")])  # B left: not counted
    with tenant_scope(region):
        found = {member.slug: member for member in network_figures(region)}
    assert set(found) == {"kring-a"}
    figures = {f.key: f.value for f in found["kring-a"].figures}
    assert {
        key: figures[key]
        for key in ("masterplan.goals", "masterplan.goals_on_track", "masterplan.projects_running")
    } == {
        "masterplan.goals": 2,
        "masterplan.goals_on_track": 1,
        "masterplan.projects_running": 0,
    }
