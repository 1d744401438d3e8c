"""What the implementation plans per park put on a member's tenant home (``waiting_for``):
the open steps they own, soonest due first and those without a due date last, at most
five, each due at the end of its day where the tenant is. Issue 15: one statement whatever
waits, built once per process; tenant B's steps never on A's home, even for the same
person."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from flask import g
from sqlalchemy import event as sa_event

from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import park_waiting, parks
from plugins.masterplan.models import StepKind, StepState
from tests.plugins.masterplan.test_parks import make_park

pytestmark = pytest.mark.both_databases

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def start_with_steps(tenant, name, steps: dict) -> int:
    """A park ``name`` with its plan started; ``steps`` maps a kind to (owner, state, due_on)."""
    park_id = make_park(tenant, name)
    with tenant_scope(tenant):
        plan = parks.start_plan(db.session.get(BusinessPark, park_id), actor=None)
        db.session.flush()
        for step in plan.steps:
            if step.kind in steps:
                owner, step.state, step.due_on = steps[step.kind]
                step.owner_id = owner.id
        db.session.commit()
        return plan.id


def waiting(app, side, user) -> list[tuple]:
    """``waiting_for`` of ``side``'s tenant for ``user``, as (title, url, due, detail, kind, plugin)."""
    with app.test_request_context(), tenant_scope(side.tenant):
        g.tenant = side.tenant
        db.session.refresh(user)
        items = park_waiting.waiting_for(side.tenant, user)
        return [(i.title, i.url, i.due, str(i.detail), i.kind, i.plugin) for i in items]


@pytest.fixture
def steps(plan_world):
    """Tenant A: A's member owns, in De Wieken, conclusions (in progress, due 30 June), the
    plan of approach (not started, no due date) and research (done); the admin owns the
    funding step. In Kanaalzone they own research (blocked, due 1 May). Tenant B: the same
    person owns B's De Haven research step, which must never show on A's home."""
    w = plan_world
    a, b = w.a, w.b
    wieken = start_with_steps(
        a.tenant,
        "De Wieken",
        {
            StepKind.RESEARCH: (a.member, StepState.DONE, date(2026, 3, 1)),
            StepKind.CONCLUSIONS: (a.member, StepState.IN_PROGRESS, date(2026, 6, 30)),
            StepKind.APPROACH: (a.member, StepState.NOT_STARTED, None),
            StepKind.FUNDING: (a.admin, StepState.NOT_STARTED, date(2026, 1, 1)),
        },
    )
    kanaal = start_with_steps(
        a.tenant, "Kanaalzone", {StepKind.RESEARCH: (a.member, StepState.BLOCKED, date(2026, 5, 1))}
    )
    haven = start_with_steps(
        b.tenant, "De Haven", {StepKind.RESEARCH: (a.member, StepState.IN_PROGRESS, date(2026, 2, 1))}
    )
    return wieken, kanaal, haven


def end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59), tzinfo=AMSTERDAM)


def test_the_home_lists_my_open_steps_soonest_due_first(app, plan_world, steps):
    wieken, kanaal, haven = steps
    a = plan_world.a
    assert waiting(app, a, a.member) == [
        (
            "Research · Kanaalzone",
            f"/kring-a/masterplan/park-plans/{kanaal}/",
            end_of(date(2026, 5, 1)),
            "A step of the implementation plan you own: Blocked",
            "masterplan-step",
            "masterplan",
        ),
        (
            "Conclusions · De Wieken",
            f"/kring-a/masterplan/park-plans/{wieken}/",
            end_of(date(2026, 6, 30)),
            "A step of the implementation plan you own: In progress",
            "masterplan-step",
            "masterplan",
        ),
        (
            "Plan of approach · De Wieken",
            f"/kring-a/masterplan/park-plans/{wieken}/",
            None,
            "A step of the implementation plan you own: Not started",
            "masterplan-step",
            "masterplan",
        ),
    ]
    assert [row[0] for row in waiting(app, a, a.admin)] == ["Funding applications · De Wieken"]
    # The same person in tenant B sees only B's step there.
    assert [row[:2] for row in waiting(app, plan_world.b, a.member)] == [
        ("Research · De Haven", f"/kring-b/masterplan/park-plans/{haven}/")
    ]


def test_the_home_shows_the_five_soonest(app, plan_world, steps):
    a = plan_world.a
    for name, month in (("Oost", 1), ("West", 2), ("Zuid", 3)):
        start_with_steps(
            a.tenant, name, {StepKind.FUNDING: (a.member, StepState.NOT_STARTED, date(2026, month, 1))}
        )
    assert [row[0] for row in waiting(app, a, a.member)] == [
        "Funding applications · Oost",
        "Funding applications · West",
        "Funding applications · Zuid",
        "Research · Kanaalzone",
        "Conclusions · De Wieken",
    ]


def test_one_statement_whatever_waits_built_once_for_two_tenants(app, plan_world, steps):
    """Issue 15: the statement is built once per process (building it anew cost more than
    running it), runs as one statement however many steps wait, and carries the tenant
    filter of the tenant in scope on both tables each time it runs."""
    a, b = plan_world.a, plan_world.b
    park_waiting._waiting_statement.cache_clear()
    statements: list[tuple[str, object]] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa_event.listen(db.engine, "before_cursor_execute", note)
    try:
        with app.test_request_context():
            for side, shown in ((a, 3), (b, 1)):
                with tenant_scope(side.tenant):
                    g.tenant = side.tenant
                    db.session.refresh(side.tenant)  # loaded before counting
                    db.session.refresh(a.member)
                    before = len(statements)
                    items = park_waiting.waiting_for(side.tenant, a.member)
                    assert len(statements) - before == 1, statements[before:]
                    sql, parameters = statements[-1]
                    assert (
                        "masterplan_park_steps.tenant_id =" in sql
                        and "masterplan_park_plans.tenant_id =" in sql
                    )
                    assert side.tenant.id in tuple(
                        parameters.values() if isinstance(parameters, dict) else parameters
                    )
                    assert len(items) == shown
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", note)
    info = park_waiting._waiting_statement.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_visitors_get_nothing(app, plan_world):
    class Visitor:
        is_authenticated = False

    with app.test_request_context(), tenant_scope(plan_world.a.tenant):
        assert park_waiting.waiting_for(plan_world.a.tenant, None) == []
        assert park_waiting.waiting_for(plan_world.a.tenant, Visitor()) == []
