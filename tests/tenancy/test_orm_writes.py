"""INSERT and UPDATE statements through the session keep to the tenant in scope,
as flushes do: a row names no other tenant, a statement with no tenant in scope
is refused, and a row that names none takes the scope's tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from kringwerk.extensions import db
from kringwerk.members.models import Circle, Company, company_circles
from kringwerk.tenancy import TenantScopeError, tenant_scope, unscoped

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


def circles_by_tenant() -> dict[int, list[str]]:
    with unscoped("test: circles of both tenants"):
        rows = db.session.execute(select(Circle.tenant_id, Circle.name).order_by(Circle.name)).all()
    found: dict[int, list[str]] = {}
    for tenant_id, name in rows:
        found.setdefault(tenant_id, []).append(name)
    return found


def dialect_insert(model):
    return (postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite).insert(model)


# --- refused ------------------------------------------------------------------------------


def sneaky_inserts(b_id: int):
    """Every way of writing a row of tenant B with one statement through the session."""
    return {
        "values": lambda: db.session.execute(insert(Circle).values(name="Sneaky", tenant_id=b_id)),
        "values by attribute": lambda: db.session.execute(
            insert(Circle).values({Circle.tenant_id: b_id, Circle.name: "Sneaky"})
        ),
        "multi values": lambda: db.session.execute(
            insert(Circle).values(
                [{"name": "Sneaky", "tenant_id": b_id}, {"name": "Sneaky 2", "tenant_id": b_id}]
            )
        ),
        "bulk parameters": lambda: db.session.execute(
            insert(Circle), [{"name": "Fine"}, {"name": "Sneaky", "tenant_id": b_id}]
        ),
        "core table": lambda: db.session.execute(
            insert(Circle.__table__).values(name="Sneaky", tenant_id=b_id)
        ),
        "link table": lambda: db.session.execute(
            insert(company_circles).values(tenant_id=b_id, company_id=1, circle_id=1)
        ),
        "upsert": lambda: db.session.execute(
            dialect_insert(Circle).values(name="Sneaky", tenant_id=b_id).on_conflict_do_nothing()
        ),
        "from select": lambda: db.session.execute(
            insert(Circle).from_select(["tenant_id", "name"], select(Circle.tenant_id, Circle.name + " 2"))
        ),
    }


@pytest.mark.parametrize("way", list(sneaky_inserts(0)))
def test_an_insert_naming_another_tenant_is_refused(circles, way):
    a, b = circles.a.tenant, circles.b.tenant
    with tenant_scope(a), pytest.raises(TenantScopeError):
        sneaky_inserts(b.id)[way]()
    db.session.rollback()
    assert circles_by_tenant() == {a.id: ["Noord"], b.id: ["Zuid"]}


@pytest.mark.parametrize("way", list(sneaky_inserts(0)))
def test_an_insert_with_no_tenant_in_scope_is_refused(circles, way):
    a, b = circles.a.tenant, circles.b.tenant
    with pytest.raises(TenantScopeError):
        sneaky_inserts(b.id)[way]()
    db.session.rollback()
    assert circles_by_tenant() == {a.id: ["Noord"], b.id: ["Zuid"]}


def test_an_insert_computing_its_tenant_is_refused(circles):
    a, b = circles.a.tenant, circles.b.tenant
    other = select(Circle.tenant_id).where(Circle.name == "Zuid").scalar_subquery()
    with tenant_scope(a), pytest.raises(TenantScopeError):
        db.session.execute(insert(Circle).values(name="Sneaky", tenant_id=other))
    db.session.rollback()
    assert circles_by_tenant() == {a.id: ["Noord"], b.id: ["Zuid"]}


def test_an_update_moving_rows_to_another_tenant_is_refused(circles):
    a, b = circles.a.tenant, circles.b.tenant
    with tenant_scope(a), pytest.raises(TenantScopeError):
        db.session.execute(update(Circle).values(tenant_id=b.id))
    db.session.rollback()
    with unscoped("test: even an unscoped update may not move rows"), pytest.raises(TenantScopeError):
        db.session.execute(update(Circle).where(Circle.name == "Zuid").values(tenant_id=a.id))
    db.session.rollback()
    assert circles_by_tenant() == {a.id: ["Noord"], b.id: ["Zuid"]}


def test_a_bulk_update_by_id_reaches_only_the_tenant_in_scope(circles):
    a, b = circles.a.tenant, circles.b.tenant
    with tenant_scope(b):
        zuid_id = db.session.scalar(select(Circle.id))
    with tenant_scope(a):
        noord_id = db.session.scalar(select(Circle.id))
        with pytest.raises(TenantScopeError):
            db.session.execute(update(Circle), [{"id": noord_id, "name": "Noord 2", "tenant_id": b.id}])
        db.session.rollback()
        db.session.execute(
            update(Circle), [{"id": noord_id, "name": "Noord 2"}, {"id": zuid_id, "name": "Gone"}]
        )
        db.session.commit()
    assert circles_by_tenant() == {a.id: ["Noord 2"], b.id: ["Zuid"]}


# --- allowed ------------------------------------------------------------------------------


def test_inserts_in_scope_take_or_keep_the_tenant_in_scope(circles):
    a, b = circles.a.tenant, circles.b.tenant
    with tenant_scope(a):
        db.session.execute(insert(Circle).values(name="Oost"))
        db.session.execute(insert(Circle).values(name="West", tenant_id=a.id))
        db.session.execute(insert(Circle), [{"name": "Midden"}, {"name": "Rand", "tenant_id": a.id}])
        db.session.execute(insert(Circle).values([{"name": "Haven", "tenant_id": a.id}]))
        db.session.execute(
            dialect_insert(Circle).values(name="Noord", tenant_id=a.id).on_conflict_do_nothing()
        )
        db.session.commit()
    assert circles_by_tenant() == {a.id: ["Haven", "Midden", "Noord", "Oost", "Rand", "West"], b.id: ["Zuid"]}


def test_unscoped_inserts_may_name_any_tenant(circles):
    a, b = circles.a.tenant, circles.b.tenant
    with unscoped("test: seed both tenants"):
        db.session.execute(
            insert(Circle), [{"name": "Oost", "tenant_id": a.id}, {"name": "West", "tenant_id": b.id}]
        )
        db.session.commit()
    assert circles_by_tenant() == {a.id: ["Noord", "Oost"], b.id: ["West", "Zuid"]}


def test_link_rows_in_scope_are_written(circles):
    a, b = circles.a.tenant, circles.b.tenant
    with tenant_scope(a):
        company = Company(name="Alpha BV")
        db.session.add(company)
        db.session.flush()
        circle_id = db.session.scalar(select(Circle.id))
        db.session.execute(insert(company_circles).values(company_id=company.id, circle_id=circle_id))
        db.session.commit()
    with unscoped("test: link rows of both tenants"):
        links = db.session.execute(select(company_circles.c.tenant_id, company_circles.c.circle_id)).all()
    assert links == [(a.id, circle_id)]
    assert circles_by_tenant()[b.id] == ["Zuid"]


def test_raw_sql_is_not_checked_by_the_orm(circles):
    """The documented hole: ``text()`` bypasses the ORM events. On SQLite it can
    write any tenant's rows; on PostgreSQL row-level security still refuses."""
    a, b = circles.a.tenant, circles.b.tenant
    statement = text(
        "INSERT INTO circles (tenant_id, name, created_at) VALUES (:t, 'Raw', CURRENT_TIMESTAMP)"
    )
    with tenant_scope(a):
        if db.session.get_bind().dialect.name == "postgresql":
            with pytest.raises(Exception, match="row-level security"):
                db.session.execute(statement, {"t": b.id})
            db.session.rollback()
            assert circles_by_tenant() == {a.id: ["Noord"], b.id: ["Zuid"]}
        else:
            db.session.execute(statement, {"t": b.id})
            assert circles_by_tenant()[b.id] == ["Raw", "Zuid"]
            db.session.rollback()
