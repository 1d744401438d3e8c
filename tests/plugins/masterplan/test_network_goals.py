"""A regional network's own goals, with its member associations' goals rolled up into them.

An association's board lets one of its goals count toward a network goal of the same unit;
the network's goal page shows its own measurements plus, per active member association,
the sum of the latest values (numbers only: no member goal's title or note crosses). An
association that leaves drops out; bad input (another network's goal, a unit that differs,
a second declaration) is refused and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kringwerk.accounts.models import Role
from kringwerk.accounts.people import add_membership
from kringwerk.accounts.services import create_user
from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from kringwerk.tenants import affiliations as rules
from kringwerk.tenants.services import create_tenant
from plugins.masterplan import goals, network_goals
from plugins.masterplan.changes import Invalid
from plugins.masterplan.models import Goal, GoalContribution, Masterplan

GOAL = {
    "title": "Startups en nieuwe business cases",
    "unit": "business cases",
    "baseline": "60",
    "target": "100",
}


def _join(network, member, actor) -> int:
    affiliation_id = rules.invite(network, member, actor=actor).id
    db.session.commit()
    with tenant_scope(member):
        rules.accept(member, rules.member_affiliation(member, affiliation_id), actor=actor)
    db.session.commit()
    return affiliation_id


def _leave(member, affiliation_id, actor) -> None:
    with tenant_scope(member):
        rules.leave(member, rules.member_affiliation(member, affiliation_id), actor=actor)
    db.session.commit()


def _goal(tenant, plan_id, actor, measurements=(), **values) -> int:
    with tenant_scope(tenant):
        goal = goals.create_goal(
            db.session.get(Masterplan, plan_id), {**GOAL, "deadline": "2027-12-31", **values}, actor=actor
        )
        for day, value in measurements:
            goals.add_measurement(goal, {"measured_on": day, "value": value}, actor=actor)
        db.session.commit()
        return goal.id


def _region(w, slug="cleantech", name="Cleantech Regio"):
    region = create_tenant(slug, name, "region", default_locale="en")
    admin = create_user(f"admin@{slug}.example.com", f"Admin {name}", password=w.world.password)
    db.session.flush()
    with tenant_scope(region):
        add_membership(region, admin, Role.ADMIN)
        plan = Masterplan(title="Agenda Cleantech Regio")
        db.session.add(plan)
        db.session.flush()
        plan_id = plan.id
    enable_plugin(region, "masterplan")
    db.session.commit()
    return region, admin, plan_id


def _declare(tenant, goal_id, network_goal_id, actor) -> None:
    with tenant_scope(tenant):
        network_goals.declare(tenant, db.session.get(Goal, goal_id), str(network_goal_id), actor=actor)
        db.session.commit()


def _contributions(tenant) -> int:
    with tenant_scope(tenant):
        return db.session.scalar(select(func.count(GoalContribution.id)))


@pytest.fixture
def network(plan_world):
    w = plan_world
    region, admin, plan_id = _region(w)
    joined_a = _join(region, w.a.tenant, admin)
    joined_b = _join(region, w.b.tenant, admin)
    target = _goal(region, plan_id, admin, [("2024-01-01", "60"), ("2025-01-01", "75")])
    return region, admin, plan_id, target, joined_a, joined_b


@pytest.mark.both_databases
def test_member_goals_roll_up_into_the_network_goal_and_one_that_left_drops_out(plan_world, network):
    w = plan_world
    region, admin, _, target, _, joined_b = network
    goal_a = _goal(w.a.tenant, w.plan_a, w.a.admin, [("2024-01-01", "20"), ("2025-06-01", "31.5")])
    second_a = _goal(w.a.tenant, w.plan_a, w.a.admin, [("2025-03-01", "4")], title="Starters op de campus")
    unmeasured_a = _goal(w.a.tenant, w.plan_a, w.a.admin, title="Nog niet gemeten")
    goal_b = _goal(w.b.tenant, w.plan_b, w.b.admin, [("2025-01-01", "12")])
    for goal_id in (goal_a, second_a, unmeasured_a):
        _declare(w.a.tenant, goal_id, target, w.a.admin)
    _declare(w.b.tenant, goal_b, target, w.b.admin)
    with tenant_scope(region):
        rolled = network_goals.rollup(region, db.session.get(Goal, target))
    assert [(m.name, m.goals, m.latest) for m in rolled.members] == [
        ("Kring A", 3, pytest.approx(35.5)),
        ("Kring B", 1, pytest.approx(12)),
    ]
    assert rolled.total == pytest.approx(47.5) and rolled.reporting == 2

    _leave(w.b.tenant, joined_b, w.b.admin)
    with tenant_scope(region):
        goal = db.session.get(Goal, target)
        rolled = network_goals.rollup(region, goal)
        assert [m.name for m in rolled.members] == ["Kring A"] and rolled.total == pytest.approx(35.5)
        # 35.5 is below the network's own baseline of 60, yet counts as 35.5 of the target 100.
        assert rolled.of_target(goal) == pytest.approx(0.355)
    # B's own page says its goal no longer counts; its declaration stays its own row.
    with tenant_scope(w.b.tenant):
        (shown,) = network_goals.declared(w.b.tenant, db.session.get(Goal, goal_b))
        assert shown.state == "left" and shown.title == GOAL["title"]
    assert _contributions(w.b.tenant) == 1
    # The audit trail and history of the association say who declared it.
    with tenant_scope(w.a.tenant):
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert actions.count("masterplan.goal_contribution_declared") == 3
        (shown, *_) = network_goals.declared(w.a.tenant, db.session.get(Goal, goal_a))
        assert (shown.state, shown.network_name) == ("counts", "Cleantech Regio")


@pytest.mark.both_databases
def test_bad_declarations_are_refused_and_change_nothing(plan_world, network):
    w = plan_world
    region, admin, plan_id, target, joined_a, _ = network
    other_region, other_admin, other_plan = _region(w, "elders", "Elders Netwerk")
    foreign_target = _goal(other_region, other_plan, other_admin)  # A is not a member of it
    per_cent = _goal(region, plan_id, admin, title="Circulaire bedrijven", unit="percent")
    goal_a = _goal(w.a.tenant, w.plan_a, w.a.admin)
    other_a = _goal(w.a.tenant, w.plan_a, w.a.admin, title="Andere eenheid", unit="euro")
    _declare(w.a.tenant, goal_a, target, w.a.admin)
    for goal_id, wanted, message in (
        (goal_a, foreign_target, "Choose a goal of a regional network this association is a member of."),
        (goal_a, goal_a, "Choose a goal of a regional network this association is a member of."),
        (goal_a, "nonsense", "Choose a goal of a regional network this association is a member of."),
        (goal_a, target, "This goal already counts toward that network goal."),
        (goal_a, per_cent, "This goal is measured in “business cases” and the network's goal in “percent”"),
        (other_a, target, "only goals in the same unit add up."),
    ):
        with tenant_scope(w.a.tenant):
            with pytest.raises(Invalid) as refused:
                network_goals.declare(w.a.tenant, db.session.get(Goal, goal_id), wanted, actor=w.a.admin)
            db.session.rollback()
        assert message in str(refused.value.errors["network_goal_id"])
    assert _contributions(w.a.tenant) == 1
    # Units match regardless of case and spacing.
    assert network_goals.same_unit("Business  Cases", "business cases")
    # After leaving, the network's goals are no longer offered.
    _leave(w.a.tenant, joined_a, w.a.admin)
    with tenant_scope(w.a.tenant):
        assert network_goals.offered(w.a.tenant) == []


def test_the_network_goal_page_shows_sums_only_and_members_declare_on_theirs(plan_world, network, login_as):
    w = plan_world
    region, admin, plan_id, target, _, _ = network
    goal_a = _goal(w.a.tenant, w.plan_a, w.a.admin, [("2025-06-01", "31")], title="Geheime titel van A")
    client = login_as(w.a.admin)
    page = client.get(f"/kring-a/masterplan/{w.plan_a}/goals/{goal_a}").get_data(as_text=True)
    assert "Counts toward a regional network" in page and "Cleantech Regio; business cases" in page
    refused = client.post(
        f"/kring-a/masterplan/{w.plan_a}/goals/{goal_a}/network",
        data={"network_goal_id": "999999"},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422 and "Choose a goal of a regional network" in refused.get_data(
        as_text=True
    )
    done = client.post(
        f"/kring-a/masterplan/{w.plan_a}/goals/{goal_a}/network", data={"network_goal_id": target}
    )
    assert done.status_code == 303 and _contributions(w.a.tenant) == 1
    page = client.get(f"/kring-a/masterplan/{w.plan_a}/goals/{goal_a}").get_data(as_text=True)
    assert "Counts toward the network's goal." in page
    assert 'name="network_goal_id"' not in page  # nothing left to choose
    # A member of A without a board role may not declare; tenant B cannot reach A's goal.
    client.post("/account/logout")
    login_as(w.a.member)
    assert (
        client.post(
            f"/kring-a/masterplan/{w.plan_a}/goals/{goal_a}/network", data={"network_goal_id": target}
        ).status_code
        == 403
    )
    client.post("/account/logout")
    login_as(w.b.admin)
    assert (
        client.post(
            f"/kring-b/masterplan/{w.plan_a}/goals/{goal_a}/network", data={"network_goal_id": target}
        ).status_code
        == 404
    )
    with tenant_scope(w.a.tenant):
        contribution_id = db.session.scalar(select(GoalContribution.id))
    assert (
        client.post(
            f"/kring-a/masterplan/{w.plan_a}/goals/{goal_a}/network/{contribution_id}/withdraw"
        ).status_code
        == 404
    )
    client.post("/account/logout")
    login_as(admin)
    page = client.get(f"/cleantech/masterplan/{plan_id}/goals/{target}").get_data(as_text=True)
    assert "The member associations" in page and "Kring A" in page and "31" in page
    assert "Geheime titel van A" not in page  # numbers only, never the member's rows
    assert "Kring B" not in page  # B counts nothing toward it
    # A withdraws: the network's page no longer lists it.
    client.post("/account/logout")
    login_as(w.a.admin)
    withdrawn = client.post(
        f"/kring-a/masterplan/{w.plan_a}/goals/{goal_a}/network/{contribution_id}/withdraw",
        headers={"HX-Request": "true"},
    )
    assert withdrawn.status_code == 200 and "no longer counts" in withdrawn.get_data(as_text=True)
    assert _contributions(w.a.tenant) == 0


def test_a_goal_whose_unit_changed_stops_counting(plan_world, network):
    w = plan_world
    region, _, _, target, _, _ = network
    goal_a = _goal(w.a.tenant, w.plan_a, w.a.admin, [("2025-06-01", "9")])
    _declare(w.a.tenant, goal_a, target, w.a.admin)
    with tenant_scope(w.a.tenant):
        goal = db.session.get(Goal, goal_a)
        goals.update_goal(
            goal,
            {**GOAL, "unit": "startups", "deadline": "2027-12-31"},
            expected_version=goal.version,
            actor=w.a.admin,
        )
        db.session.commit()
        (shown,) = network_goals.declared(w.a.tenant, db.session.get(Goal, goal_a))
        assert shown.state == "unit"
    with tenant_scope(region):
        assert network_goals.rollup(region, db.session.get(Goal, target)).members == []


@pytest.mark.parametrize(
    ("locale", "contributed", "own"),
    [
        (
            "en",
            "contribute 8.5 of the target 100 business cases (8.5%)",
            "is 37.5% of the way from its baseline 60",
        ),
        (
            "nl",
            "dragen de verenigingen 8,5 bij aan de streefwaarde 100 business cases (8,5%)",
            "is 37,5% van de weg van de nulmeting 60",
        ),
    ],
)
def test_the_network_goal_page_shows_the_members_share_of_the_target(
    plan_world, network, login_as, locale, contributed, own
):
    """Members' values are contributions: below the network's baseline they still count."""
    w = plan_world
    region, admin, plan_id, target, _, _ = network
    goal_a = _goal(w.a.tenant, w.plan_a, w.a.admin, [("2025-06-01", "8.5")])
    goal_b = _goal(w.b.tenant, w.plan_b, w.b.admin, [("2025-06-01", "7")])
    _declare(w.a.tenant, goal_a, target, w.a.admin)
    _declare(w.b.tenant, goal_b, target, w.b.admin)
    _leave(w.b.tenant, network[5], w.b.admin)  # B left: its 7 no longer counts
    region.default_locale = locale
    db.session.commit()
    page = " ".join(
        login_as(admin).get(f"/cleantech/masterplan/{plan_id}/goals/{target}").get_data(as_text=True).split()
    )
    assert contributed in page and own in page
    assert "0% of the way from the baseline" not in page and "Kring B" not in page
