"""The ORM wall between tenants: scoped reads, guarded writes, explicit crossings."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from kringwerk.accounts.models import User
from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark, Circle, Company
from kringwerk.tenancy import TenantScopeError, context, tenant_scope, unscoped

pytestmark = pytest.mark.both_databases


@pytest.fixture
def companies(world):
    """Two companies in tenant A, one in tenant B."""
    with tenant_scope(world.a.tenant):
        park = BusinessPark(name="Aalsvoort")
        db.session.add_all([Company(name="Alpha BV", business_park=park), Company(name="Anker BV")])
        db.session.flush()
    with tenant_scope(world.b.tenant):
        db.session.add(Company(name="Bravo BV"))
        db.session.flush()
    db.session.commit()
    return world


def names() -> list[str]:
    return sorted(db.session.scalars(select(Company.name)))


def test_select_sees_only_the_tenant_in_scope(companies):
    with tenant_scope(companies.a.tenant):
        assert names() == ["Alpha BV", "Anker BV"]
        assert db.session.scalar(select(func.count(Company.id))) == 2
    with tenant_scope(companies.b.tenant):
        assert names() == ["Bravo BV"]
        assert db.session.scalar(select(func.count()).select_from(Company)) == 1


def test_query_without_tenant_raises(companies):
    with pytest.raises(TenantScopeError):
        db.session.scalars(select(Company)).all()
    with pytest.raises(TenantScopeError):
        db.session.scalar(select(func.count(Company.id)))


def test_join_to_tenant_table_without_tenant_raises(companies):
    statement = select(User).join(Company, Company.name == User.name)
    with pytest.raises(TenantScopeError):
        db.session.execute(statement).all()


def test_global_tables_need_no_tenant(companies):
    assert db.session.scalar(select(func.count(User.id))) == 10


def test_get_by_id_of_other_tenant_returns_none(companies):
    with unscoped("test: find Bravo"):
        bravo = db.session.scalar(select(Company).where(Company.name == "Bravo BV"))
    bravo_id = bravo.id
    db.session.expunge(bravo)
    with tenant_scope(companies.a.tenant):
        assert db.session.get(Company, bravo_id) is None


def test_bulk_update_and_delete_stay_in_scope(companies):
    with tenant_scope(companies.a.tenant):
        db.session.execute(update(Company).values(sector="Bouw"))
        db.session.execute(delete(Company).where(Company.name.like("A%")))
        db.session.commit()
    with tenant_scope(companies.b.tenant):
        bravo = db.session.scalar(select(Company))
        assert (bravo.name, bravo.sector) == ("Bravo BV", None)


def test_new_rows_take_the_tenant_in_scope(companies):
    with tenant_scope(companies.b.tenant):
        circle = Circle(name="Noord")
        db.session.add(circle)
        db.session.flush()
        assert circle.tenant_id == companies.b.tenant.id


def test_writing_a_row_of_another_tenant_is_refused(companies):
    with tenant_scope(companies.a.tenant):
        db.session.add(Circle(name="Sneaky", tenant_id=companies.b.tenant.id))
        with pytest.raises(TenantScopeError):
            db.session.flush()
    db.session.rollback()


def test_writing_without_tenant_is_refused(companies):
    db.session.add(Circle(name="Nowhere", tenant_id=companies.a.tenant.id))
    with pytest.raises(TenantScopeError):
        db.session.flush()
    db.session.rollback()


def test_tenant_id_cannot_change(companies):
    with tenant_scope(companies.a.tenant):
        alpha = db.session.scalar(select(Company).where(Company.name == "Alpha BV"))
        alpha.tenant_id = companies.b.tenant.id
        with pytest.raises(TenantScopeError):
            db.session.flush()
    db.session.rollback()


def test_changing_another_tenants_loaded_row_is_refused(companies):
    with tenant_scope(companies.b.tenant):
        bravo = db.session.scalar(select(Company))
    with tenant_scope(companies.a.tenant):
        bravo.sector = "Zorg"
        with pytest.raises(TenantScopeError):
            db.session.flush()
    db.session.rollback()


def test_unscoped_sees_everything_and_logs_the_reason(companies, caplog):
    # DEBUG: whether this crossing is the process's first (INFO) depends on test order.
    with caplog.at_level(logging.DEBUG, logger="kringwerk.tenancy"), unscoped("test: count all companies"):
        assert names() == ["Alpha BV", "Anker BV", "Bravo BV"]
    assert "unscoped access: test: count all companies" in caplog.text


@pytest.fixture
def fresh_process(monkeypatch):
    """A process that has logged no crossing yet (each test runs once per database)."""
    monkeypatch.setattr(context, "_seen_reasons", set())


def _crossings(caplog) -> list[tuple[int, str]]:
    return [
        (r.levelno, r.getMessage()) for r in caplog.records if r.getMessage().startswith("unscoped access")
    ]


def test_a_crossing_is_logged_at_info_once_per_reason_then_at_debug(companies, caplog, fresh_process):
    caplog.set_level(logging.DEBUG, logger="kringwerk.tenancy")
    a, b = companies.a.tenant, companies.b.tenant
    for tenant in (a, b, a):
        with tenant_scope(tenant), unscoped(f"test: companies of every tenant, asked by {tenant.slug}"):
            assert names() == ["Alpha BV", "Anker BV", "Bravo BV"]
    with tenant_scope(b), unscoped(f"test: companies of every tenant, asked by {b.slug}"):
        assert names() == ["Alpha BV", "Anker BV", "Bravo BV"]
    with tenant_scope(a):
        assert names() == ["Alpha BV", "Anker BV"]  # the wall stands again after each crossing

    assert _crossings(caplog) == [
        (
            logging.INFO,
            f"unscoped access: test: companies of every tenant, asked by {a.slug} (tenant in scope: {a.id})",
        ),
        (
            logging.INFO,
            f"unscoped access: test: companies of every tenant, asked by {b.slug} (tenant in scope: {b.id})",
        ),
        (
            logging.DEBUG,
            f"unscoped access: test: companies of every tenant, asked by {a.slug} (tenant in scope: {a.id})",
        ),
        (
            logging.DEBUG,
            f"unscoped access: test: companies of every tenant, asked by {b.slug} (tenant in scope: {b.id})",
        ),
    ]


def test_unscoped_needs_a_reason():
    with pytest.raises(ValueError), unscoped("  "):
        pass


def test_database_refuses_a_child_pointing_into_another_tenant(companies):
    """The composite foreign key is the wall below the ORM."""
    with tenant_scope(companies.b.tenant):
        other_park = BusinessPark(name="De Wieken")
        db.session.add(other_park)
        db.session.flush()
    with tenant_scope(companies.a.tenant):
        alpha = db.session.scalar(select(Company).where(Company.name == "Alpha BV"))
        alpha.business_park_id = other_park.id
        with pytest.raises(IntegrityError):
            db.session.flush()
    db.session.rollback()


def test_link_rows_cannot_cross_tenants(companies):
    with tenant_scope(companies.b.tenant):
        foreign_circle = Circle(name="Zuid")
        db.session.add(foreign_circle)
        db.session.flush()
    with tenant_scope(companies.a.tenant):
        alpha = db.session.scalar(select(Company).where(Company.name == "Alpha BV"))
        alpha.circles.append(foreign_circle)
        with pytest.raises((IntegrityError, TenantScopeError)):
            db.session.flush()
    db.session.rollback()


def test_relationship_loads_follow_the_scope_of_their_parent(companies):
    with tenant_scope(companies.a.tenant):
        alpha = db.session.scalar(select(Company).where(Company.name == "Alpha BV"))
        db.session.add(Circle(name="Noord"))
        db.session.flush()
        noord = db.session.scalar(select(Circle))
        alpha.circles.append(noord)
        db.session.commit()
    db.session.expire_all()
    with tenant_scope(companies.a.tenant):
        alpha = db.session.scalar(select(Company).where(Company.name == "Alpha BV"))
        assert [c.name for c in alpha.circles] == ["Noord"]
        assert alpha.business_park.name == "Aalsvoort"
