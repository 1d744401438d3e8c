"""The operator's tenant page shows the plan in force and why (comped, subscribed, overdue,
free), read with the tenant's usage, in one statement for the billing accounts; without
billing it says billing is off. Each tenant shows its own plan."""

from __future__ import annotations

from kringwerk.billing import services
from kringwerk.extensions import db
from kringwerk.operator.usage import tenant_usage
from tests.billing.helpers import subscribe


def plan_row(html: str) -> str:
    start = html.index("data-billing-state")
    return html[start : html.index("</dd>", start)]


def test_the_tenant_page_shows_plan_and_billing_state(world, login_as, standin):
    subscribe(login_as(world.a.admin), world.a, standin)
    services.comp_plan(world.b.tenant, "pro", actor=world.operator)
    db.session.commit()
    operator = login_as(world.operator)
    a_row = plan_row(operator.get(f"/operator/tenants/{world.a.tenant.id}/").get_data(as_text=True))
    assert "Pro" in a_row and "Paid subscription" in a_row
    b_row = plan_row(operator.get(f"/operator/tenants/{world.b.tenant.id}/").get_data(as_text=True))
    assert "Pro" in b_row and "Provided free of charge by the platform" in b_row
    states = {
        usage.tenant.id: usage.billing.source for usage in tenant_usage([world.a.tenant, world.b.tenant])
    }
    assert states == {world.a.tenant.id: "subscription", world.b.tenant.id: "comp"}


def test_without_billing_the_page_says_so(world, login_as, app):
    app.config["STRIPE_SECRET_KEY"] = None
    html = login_as(world.operator).get(f"/operator/tenants/{world.a.tenant.id}/").get_data(as_text=True)
    assert "Billing is off: every module is free" in plan_row(html)
    assert tenant_usage([world.b.tenant])[0].billing.source == "off"
