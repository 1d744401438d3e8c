"""Capacity under concurrency, on PostgreSQL: 50 people sign up at the same moment for
the last 10 seats. Exactly 10 get a seat, 40 join the waiting list in the order they
arrived (the seats went to the first 10 arrivals), and parallel cancellations promote
exactly one person each, the first on the list."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from kringwerk.accounts.models import Role, User
from kringwerk.accounts.people import add_membership
from kringwerk.accounts.services import create_user
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.events import signup
from plugins.events.models import Event, Registration, RegistrationStatus
from tests.plugins.events.conftest import make_event, member

PEOPLE = 50


def _in_parallel(app, work, items) -> list:
    barrier = threading.Barrier(len(items))
    errors: list = []

    def run(item):
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                work(item)
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.postgresql_only
def test_fifty_at_once_for_the_last_ten_seats(app, events_world):
    a = events_world.a
    tenant_id = a.tenant.id
    user_ids = []
    for number in range(PEOPLE):
        user = create_user(
            f"ondernemer{number}@kring-a.example.com", f"Ondernemer {number}", password="x" * 12
        )
        db.session.flush()
        with tenant_scope(a.tenant):
            add_membership(a.tenant, user, Role.MEMBER)
            db.session.flush()
        user_ids.append(user.id)
    db.session.commit()
    event_id = make_event(a.tenant, capacity=150, seats_taken=140)
    b_event_id = make_event(events_world.b.tenant, capacity=150, seats_taken=140)

    def sign_up(user_id):
        from kringwerk.tenancy.models import Tenant

        tenant = db.session.get(Tenant, tenant_id)
        with tenant_scope(tenant):
            signup.sign_up(db.session.get(Event, event_id), member(db.session.get(User, user_id)))
            db.session.commit()

    assert _in_parallel(app, sign_up, user_ids) == []

    with tenant_scope(a.tenant):
        event = db.session.get(Event, event_id)
        db.session.refresh(event)
        rows = list(db.session.scalars(select(Registration).where(Registration.event_id == event_id)))
        confirmed = [r for r in rows if r.status == RegistrationStatus.CONFIRMED]
        waiting = sorted(
            (r for r in rows if r.status == RegistrationStatus.WAITING), key=lambda r: r.position
        )
        assert (len(confirmed), len(waiting), event.seats_taken) == (10, 40, 150)
        positions = sorted(r.position for r in rows)
        assert positions == list(range(1, PEOPLE + 1))  # every arrival counted once, none twice
        assert max(r.position for r in confirmed) < min(
            r.position for r in waiting
        )  # first come, first seated
        cancel_ids = [r.id for r in confirmed[:5]]
        next_in_line = [r.id for r in waiting[:5]]
    with tenant_scope(events_world.b.tenant):
        assert db.session.get(Event, event_id) is None
        assert db.session.get(Event, b_event_id).seats_taken == 140  # B's event untouched

    def cancel(registration_id):
        from kringwerk.tenancy.models import Tenant

        with tenant_scope(db.session.get(Tenant, tenant_id)):
            promoted = signup.cancel(db.session.get(Registration, registration_id))
            assert len(promoted) == 1
            db.session.commit()

    assert _in_parallel(app, cancel, cancel_ids) == []
    db.session.expire_all()
    with tenant_scope(a.tenant):
        rows = list(db.session.scalars(select(Registration).where(Registration.event_id == event_id)))
        by_status = {status: [r for r in rows if r.status == status] for status in RegistrationStatus}
        assert len(by_status[RegistrationStatus.CONFIRMED]) == 10
        assert len(by_status[RegistrationStatus.WAITING]) == 35
        assert len(by_status[RegistrationStatus.CANCELLED]) == 5
        assert sorted(
            r.id for r in by_status[RegistrationStatus.CONFIRMED] if r.id in next_in_line
        ) == sorted(next_in_line)
        assert db.session.get(Event, event_id).seats_taken == 150
