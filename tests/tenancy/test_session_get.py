"""One door to an object by id: ``db.session.get`` (and so ``db.get_or_404``)
checks the tenant of an object it finds in the identity map, as a query would."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from kringwerk.accounts.models import User
from kringwerk.extensions import db
from kringwerk.members.models import Company
from kringwerk.tenancy import TenantScopeError, tenant_scope, unscoped

pytestmark = pytest.mark.both_databases


@pytest.fixture
def company_ids(world) -> dict[str, int]:
    ids = {}
    for side, name in ((world.a, "Alpha BV"), (world.b, "Bravo BV")):
        with tenant_scope(side.tenant):
            company = Company(name=name)
            db.session.add(company)
            db.session.flush()
            ids[name] = company.id
    db.session.commit()
    return ids


def test_an_object_of_another_tenant_in_the_identity_map_is_not_found(world, company_ids):
    alpha_id = company_ids["Alpha BV"]
    with unscoped("test: load Alpha into the identity map"):
        alpha = db.session.scalar(select(Company).where(Company.id == alpha_id))
    with tenant_scope(world.b.tenant):
        assert db.session.get(Company, alpha_id) is None
        with pytest.raises(NotFound):
            db.get_or_404(Company, alpha_id)
        assert db.session.get(Company, company_ids["Bravo BV"]).name == "Bravo BV"
    with tenant_scope(world.a.tenant):
        assert db.session.get(Company, alpha_id) is alpha


def test_an_expired_object_of_another_tenant_is_not_found_and_stays_usable(world, company_ids):
    alpha_id = company_ids["Alpha BV"]
    with tenant_scope(world.a.tenant):
        alpha = db.session.get(Company, alpha_id)
        db.session.commit()  # expires alpha; it stays in the identity map
    with tenant_scope(world.b.tenant):
        assert db.session.get(Company, alpha_id) is None
    with tenant_scope(world.a.tenant):
        assert db.session.get(Company, alpha_id) is alpha
        assert alpha.name == "Alpha BV"


def test_no_tenant_in_scope_is_refused_even_from_the_identity_map(world, company_ids):
    alpha_id = company_ids["Alpha BV"]
    with tenant_scope(world.a.tenant):
        alpha = db.session.get(Company, alpha_id)
    with pytest.raises(TenantScopeError):
        db.session.get(Company, alpha_id)
    with unscoped("test: any tenant's company by id"):
        assert db.session.get(Company, alpha_id) is alpha
        assert db.session.get(Company, company_ids["Bravo BV"]).name == "Bravo BV"


def test_get_one_and_global_models_go_through_the_same_door(world, company_ids):
    from sqlalchemy.exc import NoResultFound

    with tenant_scope(world.a.tenant):
        db.session.get(Company, company_ids["Alpha BV"])
    with tenant_scope(world.b.tenant):
        with pytest.raises(NoResultFound):
            db.session.get_one(Company, company_ids["Alpha BV"])
        # Users belong to no tenant: found in any scope, and with none.
        assert db.session.get(User, world.a.admin.id) is not None
    assert db.session.get(User, world.b.admin.id).email == world.b.admin.email
