"""What the events plugin puts on a member's tenant home (``waiting_for``): their live
registrations for published events not yet over, soonest start first, at most five, each
saying whether they hold a seat, wait, or have a seat to confirm. Issue 15: one statement
whatever waits, built once per process; tenant B's registrations never on A's home, even
for the same person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import event as sa_event

from kringwerk.extensions import db, utcnow
from kringwerk.tenancy import tenant_scope
from plugins.events import waiting as waiting_module
from plugins.events.models import EventState, Registration, RegistrationStatus
from tests.plugins.events.conftest import make_event

pytestmark = pytest.mark.both_databases

SIGNED_UP = "You are signed up."
ON_THE_LIST = "You are on the waiting list."
TO_CONFIRM = "A seat has come free for you: confirm it by the link in your e-mail."


def register(tenant, event_id, user, status, **values) -> None:
    with tenant_scope(tenant):
        db.session.add(
            Registration(
                event_id=event_id,
                user_id=user.id,
                person=f"user:{user.id}" if status != RegistrationStatus.CANCELLED else None,
                name="Bert Berends",
                email=user.email,
                status=status,
                **values,
            )
        )
        db.session.flush()
    db.session.commit()


def waiting(app, side, user) -> list[tuple]:
    """``waiting_for`` of ``side``'s tenant for ``user``, as (title, url, due, detail, action, kind, plugin)."""
    with app.test_request_context(), tenant_scope(side.tenant):
        g.tenant = side.tenant
        db.session.refresh(user)
        items = waiting_module.waiting_for(side.tenant, user)
        return [(i.title, i.url, i.due, str(i.detail), str(i.action), i.kind, i.plugin) for i in items]


@pytest.fixture
def home(events_world, app):
    """Tenant A: A's member signed up for an event in 2 days, waits for one in 5, has a
    seat to confirm in one in 9; a cancelled registration, a draft event, an event that is
    over, and another person's registration do not show. Tenant B: the same person signed
    up for B's event (same user id), which must never show on A's home."""
    a, b = events_world.a, events_world.b
    now = utcnow().replace(microsecond=0)
    ids = {}
    for title, days, status, extra in (
        ("Ledenavond", 2, RegistrationStatus.CONFIRMED, {}),
        ("Themabijeenkomst energie", 5, RegistrationStatus.WAITING, {"position": 1}),
        ("Werkbezoek haven", 9, RegistrationStatus.CONFIRMED, {"offer_expires_at": now + timedelta(days=1)}),
        ("Afgemeld ontbijt", 3, RegistrationStatus.CANCELLED, {}),
    ):
        ids[title] = make_event(a.tenant, title=title, starts_at=now + timedelta(days=days))
        register(a.tenant, ids[title], a.member, status, **extra)
    draft = make_event(a.tenant, title="Concept", state=EventState.DRAFT, starts_at=now + timedelta(days=1))
    register(a.tenant, draft, a.member, RegistrationStatus.CONFIRMED)
    past = make_event(a.tenant, title="Vorige week", starts_at=now - timedelta(days=7))
    register(a.tenant, past, a.member, RegistrationStatus.CONFIRMED)
    theirs = make_event(a.tenant, title="Alleen de beheerder", starts_at=now + timedelta(days=1))
    register(a.tenant, theirs, a.admin, RegistrationStatus.CONFIRMED)
    ids["B"] = make_event(b.tenant, title="Event of tenant B", starts_at=now + timedelta(days=1))
    register(b.tenant, ids["B"], a.member, RegistrationStatus.CONFIRMED)
    return ids, now


def test_the_home_lists_my_live_registrations_soonest_first(app, events_world, home):
    ids, now = home
    assert waiting(app, events_world.a, events_world.a.member) == [
        (
            "Ledenavond",
            f"/kring-a/events/{ids['Ledenavond']}",
            now + timedelta(days=2),
            SIGNED_UP,
            "",
            "event",
            "events",
        ),
        (
            "Themabijeenkomst energie",
            f"/kring-a/events/{ids['Themabijeenkomst energie']}",
            now + timedelta(days=5),
            ON_THE_LIST,
            "",
            "event",
            "events",
        ),
        (
            "Werkbezoek haven",
            f"/kring-a/events/{ids['Werkbezoek haven']}",
            now + timedelta(days=9),
            TO_CONFIRM,
            "",
            "event",
            "events",
        ),
    ]
    # The same person in tenant B sees only B's event there.
    assert [row[0] for row in waiting(app, events_world.b, events_world.a.member)] == ["Event of tenant B"]


def test_the_home_shows_the_five_soonest(app, events_world, home):
    a = events_world.a
    _, now = home
    for day in (10, 11, 12, 1):
        event_id = make_event(a.tenant, title=f"Dag {day}", starts_at=now + timedelta(days=day))
        register(a.tenant, event_id, a.member, RegistrationStatus.CONFIRMED)
    assert [row[0] for row in waiting(app, a, a.member)] == [
        "Dag 1",
        "Ledenavond",
        "Themabijeenkomst energie",
        "Werkbezoek haven",
        "Dag 10",
    ]


def test_one_statement_whatever_waits_built_once_for_two_tenants(app, events_world, home):
    """Issue 15: the statement is built once per process (building it anew cost more than
    running it), runs as one statement however many registrations wait, and carries the
    tenant filter of the tenant in scope on both tables each time it runs."""
    a, b = events_world.a, events_world.b
    waiting_module._waiting_statement.cache_clear()
    statements: list[tuple[str, object]] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa_event.listen(db.engine, "before_cursor_execute", note)
    try:
        with app.test_request_context():
            for side in (a, b):
                with tenant_scope(side.tenant):
                    g.tenant = side.tenant
                    db.session.refresh(side.tenant)  # loaded before counting
                    db.session.refresh(a.member)
                    before = len(statements)
                    items = waiting_module.waiting_for(side.tenant, a.member)
                    assert len(statements) - before == 1, statements[before:]
                    sql, parameters = statements[-1]
                    assert "events.tenant_id =" in sql and "event_registrations.tenant_id =" in sql
                    assert side.tenant.id in tuple(
                        parameters.values() if isinstance(parameters, dict) else parameters
                    )
                    assert (side is a) == (len(items) == 3)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", note)
    info = waiting_module._waiting_statement.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_visitors_get_nothing(app, events_world):
    class Visitor:
        is_authenticated = False

    with app.test_request_context(), tenant_scope(events_world.a.tenant):
        assert waiting_module.waiting_for(events_world.a.tenant, None) == []
        assert waiting_module.waiting_for(events_world.a.tenant, Visitor()) == []
