"""Row-level security: on PostgreSQL even raw SQL, which the ORM filter cannot
see, stays inside the tenant the transaction runs as. The tests connect as a
role that is neither superuser nor owner, as the app must in production."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from kringwerk.extensions import db
from kringwerk.members.models import Company
from kringwerk.tenancy import tenant_scope, unscoped
from kringwerk.tenancy.rls import POLICY, tenant_tables

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def companies(world):
    for side, name in ((world.a, "Alpha BV"), (world.b, "Bravo BV")):
        with tenant_scope(side.tenant):
            db.session.add(Company(name=name))
            db.session.flush()
    db.session.commit()
    return world


def raw_names() -> list[str]:
    return sorted(db.session.execute(text("SELECT name FROM companies")).scalars())


def test_raw_sql_sees_only_the_tenant_in_scope(companies):
    with tenant_scope(companies.a.tenant):
        assert raw_names() == ["Alpha BV"]
    db.session.commit()
    with tenant_scope(companies.b.tenant):
        assert raw_names() == ["Bravo BV"]


def test_switching_scope_inside_one_transaction_is_followed(companies):
    with tenant_scope(companies.a.tenant):
        assert raw_names() == ["Alpha BV"]
    with tenant_scope(companies.b.tenant):
        assert raw_names() == ["Bravo BV"]
    assert raw_names() == []


def test_raw_sql_without_a_tenant_sees_nothing(companies):
    assert raw_names() == []


def test_the_scope_does_not_outlive_its_transaction(companies):
    with tenant_scope(companies.a.tenant):
        assert raw_names() == ["Alpha BV"]
        db.session.commit()
    # Same pooled connection, new transaction, no scope: nothing.
    assert raw_names() == []


def test_unscoped_sees_every_tenant(companies):
    with unscoped("test: raw count over all tenants"):
        assert raw_names() == ["Alpha BV", "Bravo BV"]


def test_raw_insert_into_another_tenant_is_refused(companies):
    # The session refuses insert(Company) naming another tenant itself (test_orm_writes);
    # a statement on the connection never meets that check, row-level security does.
    statement = insert(Company).values(name="Sneaky BV", tenant_id=companies.b.tenant.id)
    with tenant_scope(companies.a.tenant), pytest.raises(DBAPIError, match="row-level security"):
        db.session.connection().execute(statement)
    db.session.rollback()


def test_raw_update_cannot_reach_another_tenant(companies):
    with tenant_scope(companies.a.tenant):
        changed = db.session.execute(text("UPDATE companies SET sector = 'Zorg'")).rowcount
        db.session.commit()
    with unscoped("test: read both sectors"):
        sectors = dict(db.session.execute(text("SELECT name, sector FROM companies")).all())
    assert changed == 1
    assert sectors == {"Alpha BV": "Zorg", "Bravo BV": None}


def test_every_tenant_table_has_the_policy(app):
    rows = db.session.execute(
        text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, p.polname "
            "FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid "
            "WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace"
        )
    ).all()
    protected = {name for name, enabled, forced, policy in rows if enabled and forced and policy == POLICY}
    missing = set(tenant_tables(db.metadata)) - protected
    assert not missing, f"tenant tables without row-level security: {sorted(missing)}"
