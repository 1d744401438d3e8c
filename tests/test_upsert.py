"""The upsert helper: one INSERT ... ON CONFLICT on SQLite and PostgreSQL, through
the session and so inside the tenant wall."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from kringwerk import upsert as upsert_module
from kringwerk.extensions import db
from kringwerk.members.models import Circle, Company, company_circles
from kringwerk.tenancy import TenantScopeError, tenant_scope, unscoped
from kringwerk.upsert import upsert

pytestmark = pytest.mark.both_databases

KEY = ["tenant_id", "name"]


@pytest.fixture
def circles(world):
    for side, names in ((world.a, ("Noord", "Zuid")), (world.b, ("Noord",))):
        with tenant_scope(side.tenant):
            db.session.add_all(
                [Circle(name=name, description=f"{name} of {side.tenant.slug}") for name in names]
            )
            db.session.flush()
    db.session.commit()
    return world


def descriptions() -> dict[tuple[int, str], str | None]:
    with unscoped("test: circles of both tenants"):
        rows = db.session.execute(select(Circle.tenant_id, Circle.name, Circle.description)).all()
    return {(tenant_id, name): description for tenant_id, name, description in rows}


def test_new_rows_are_inserted_and_existing_ones_updated(circles):
    a, b = circles.a.tenant.id, circles.b.tenant.id
    with tenant_scope(a):
        upsert(
            Circle,
            [
                {"tenant_id": a, "name": "Noord", "description": "new"},
                {"tenant_id": a, "name": "Oost", "description": "east"},
            ],
            index_elements=KEY,
            set_={"description": lambda excluded: Circle.description + " / " + excluded.description},
        )
        db.session.commit()
    assert descriptions() == {
        (a, "Noord"): "Noord of kring-a / new",
        (a, "Zuid"): "Zuid of kring-a",
        (a, "Oost"): "east",
        (b, "Noord"): "Noord of kring-b",
    }


def test_without_set_a_conflict_leaves_the_row_alone(circles):
    a, b = circles.a.tenant.id, circles.b.tenant.id
    with tenant_scope(a):
        upsert(
            Circle,
            [
                {"tenant_id": a, "name": "Zuid", "description": "ignored"},
                {"tenant_id": a, "name": "West", "description": None},
            ],
            index_elements=KEY,
        )
        upsert(Circle, [], index_elements=KEY)  # nothing to write: no statement
        with pytest.raises(ValueError, match="same keys"):
            upsert(
                Circle,
                [{"tenant_id": a, "name": "Ja"}, {"tenant_id": a, "name": "Nee", "description": ""}],
                index_elements=KEY,
            )
        db.session.commit()
    assert descriptions() == {
        (a, "Noord"): "Noord of kring-a",
        (a, "Zuid"): "Zuid of kring-a",
        (a, "West"): None,
        (b, "Noord"): "Noord of kring-b",
    }


def test_a_plain_value_and_a_table_target(circles):
    a = circles.a.tenant.id
    with tenant_scope(a):
        upsert(Circle, [{"tenant_id": a, "name": "Noord"}], index_elements=KEY, set_={"description": "fixed"})
        company = Company(name="Alpha BV")
        db.session.add(company)
        db.session.flush()
        noord = db.session.scalar(select(Circle.id).where(Circle.name == "Noord"))
        link = {"tenant_id": a, "company_id": company.id, "circle_id": noord}
        for _ in range(2):  # the second is a conflict, left alone
            upsert(company_circles, [link], index_elements=["tenant_id", "company_id", "circle_id"])
        db.session.commit()
        assert db.session.scalars(select(Circle.name).join(Company.circles)).all() == ["Noord"]
    assert descriptions()[(a, "Noord")] == "fixed"
    assert descriptions()[(circles.b.tenant.id, "Noord")] == "Noord of kring-b"


def test_many_rows_go_in_chunks(circles, monkeypatch):
    a, b = circles.a.tenant.id, circles.b.tenant.id
    monkeypatch.setattr(upsert_module, "MAX_PARAMETERS", 6)  # two rows of three per statement
    statements = []
    engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with tenant_scope(a):
            rows = [{"tenant_id": a, "name": f"Kring {n}", "description": "d"} for n in range(5)]
            upsert(
                Circle, rows, index_elements=KEY, set_={"description": lambda excluded: excluded.description}
            )
            db.session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 3
    found = descriptions()
    assert all(found[(a, f"Kring {n}")] == "d" for n in range(5))
    assert found[(b, "Noord")] == "Noord of kring-b"


def test_the_tenant_wall_holds(circles):
    a, b = circles.a.tenant.id, circles.b.tenant.id
    with tenant_scope(a):
        with pytest.raises(TenantScopeError):
            upsert(
                Circle, [{"tenant_id": b, "name": "Noord", "description": "taken over"}], index_elements=KEY
            )
        with pytest.raises(TenantScopeError):
            upsert(Circle, [{"tenant_id": a, "name": "Noord"}], index_elements=KEY, set_={"tenant_id": b})
    db.session.rollback()
    with pytest.raises(TenantScopeError):
        upsert(Circle, [{"tenant_id": a, "name": "Noord"}], index_elements=KEY, set_={"description": "x"})
    db.session.rollback()
    assert descriptions()[(b, "Noord")] == "Noord of kring-b"
    assert descriptions()[(a, "Noord")] == "Noord of kring-a"
