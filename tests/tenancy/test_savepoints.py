"""A savepoint rolls back cleanly inside a tenant scope (claiming a seat uses one):
the outer transaction keeps working, keeps the tenant's scope and commits."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from kringwerk.extensions import db
from kringwerk.members.models import Circle
from kringwerk.tenancy import tenant_scope, unscoped

pytestmark = pytest.mark.both_databases


@pytest.fixture
def circles(world):
    with tenant_scope(world.a.tenant):
        db.session.add(Circle(name="Noord"))
        db.session.flush()
    with tenant_scope(world.b.tenant):
        db.session.add(Circle(name="Zuid"))
        db.session.flush()
    db.session.commit()
    return world


def names_by_tenant() -> dict[int, list[str]]:
    with unscoped("test: circles of both tenants"):
        rows = db.session.execute(select(Circle.tenant_id, Circle.name).order_by(Circle.name)).all()
    found: dict[int, list[str]] = {}
    for tenant_id, name in rows:
        found.setdefault(tenant_id, []).append(name)
    return found


def test_a_failed_savepoint_rolls_back_and_the_transaction_commits(circles):
    a, b = circles.a.tenant, circles.b.tenant
    with tenant_scope(a):
        db.session.add(Circle(name="Oost"))
        db.session.flush()
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(Circle(name="Noord"))  # the name is taken in A
            db.session.flush()
        # The savepoint is gone; the outer transaction reads and writes on.
        assert sorted(db.session.scalars(select(Circle.name))) == ["Noord", "Oost"]
        db.session.add(Circle(name="West"))
        db.session.commit()
    assert names_by_tenant() == {a.id: ["Noord", "Oost", "West"], b.id: ["Zuid"]}


def test_the_scope_holds_after_a_savepoint_rolls_back(circles):
    """Raw SQL still sees A's rows only after the rollback: on PostgreSQL the
    scope is told again, as the rollback undid what the savepoint was told."""
    a = circles.a.tenant
    with tenant_scope(a):
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(Circle(name="Noord"))
            db.session.flush()
        raw = sorted(db.session.execute(text("SELECT name FROM circles WHERE tenant_id = :t"), {"t": a.id}))
        assert [name for (name,) in raw] == ["Noord"]
        if db.session.get_bind().dialect.name == "postgresql":
            # Row-level security: B's circle is out of reach of raw SQL, too.
            assert db.session.execute(text("SELECT name FROM circles")).scalars().all() == ["Noord"]
    db.session.rollback()


def test_work_outside_a_savepoint_of_another_scope_survives(circles):
    """A savepoint rolled back inside B's scope leaves A's pending writes alone."""
    a, b = circles.a.tenant, circles.b.tenant
    with tenant_scope(a):
        db.session.add(Circle(name="Oost"))
        db.session.flush()
    with tenant_scope(b):
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(Circle(name="Zuid"))
            db.session.flush()
        db.session.add(Circle(name="Midden"))
        db.session.flush()
    db.session.commit()
    assert names_by_tenant() == {a.id: ["Noord", "Oost"], b.id: ["Midden", "Zuid"]}
