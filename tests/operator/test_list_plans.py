"""With billing on, the operator's tenant list shows each tenant's plan in force and why
(default, comp, subscription), read for the whole page in one statement: the statements do
not grow with the tenants listed. A's plan shows in A's row only."""

from __future__ import annotations

import pytest

from kringwerk.billing import services
from kringwerk.extensions import db
from kringwerk.tenants.services import create_tenant
from tests.billing.helpers import PLANS
from tests.conftest import base_config
from tests.support.stripe_standin import SECRET_KEY, WEBHOOK_SECRET, StandInServer


@pytest.fixture
def app_config(tmp_path, database_url):
    with StandInServer() as standin:
        yield base_config(
            tmp_path,
            database_url,
            STRIPE_SECRET_KEY=SECRET_KEY,
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            STRIPE_API_BASE=standin.url,
            BILLING_PLANS=PLANS,
        )


def row(page: str, tenant) -> str:
    return page.split(f'id="tenant-{tenant.id}"')[1].split("</tr>")[0]


def plan_cell(page: str, tenant) -> str:
    return row(page, tenant).split("data-billing-state=")[1].split("</td>")[0]


@pytest.mark.both_databases
def test_the_list_shows_each_tenants_plan_in_force(world, login_as):
    services.comp_plan(world.b.tenant, "pro", actor=world.operator, note="pilot")
    db.session.commit()
    page = login_as(world.operator).get("/operator/").get_data(as_text=True)
    a_cell, b_cell = plan_cell(page, world.a.tenant), plan_cell(page, world.b.tenant)
    assert a_cell.startswith('"default"') and "Free" in a_cell and "Pro" not in a_cell
    assert b_cell.startswith('"comp"') and "Pro" in b_cell and "Free" not in b_cell


def test_the_plans_of_the_list_take_the_same_statements_for_more_tenants(world, login_as, count_queries):
    services.comp_plan(world.b.tenant, "pro", actor=world.operator)
    db.session.commit()
    client = login_as(world.operator)
    with count_queries() as few:
        assert client.get("/operator/").status_code == 200
    for n in range(4):
        tenant = create_tenant(f"extra-{n}", f"Extra {n}", "association")
        if n % 2:
            services.comp_plan(tenant, "pro", actor=world.operator)
        db.session.commit()
    with count_queries() as many:
        page = client.get("/operator/").get_data(as_text=True)
    assert page.count('data-billing-state="comp"') == 3 and page.count('data-billing-state="default"') == 3
    assert len(many) == len(few)
