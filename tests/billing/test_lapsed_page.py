"""After the grace period the billing page leads to what can be done: paying the overdue
invoice in the customer portal (Checkout would refuse a second subscription), and the
operator's page names read-only modules as people read them. Tenant B is untouched."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kringwerk.billing.models import BillingAccount
from kringwerk.extensions import db, utcnow
from kringwerk.tenancy.context import tenant_scope
from tests.billing.helpers import deliver, subscribe


def lapse(side, client, standin):
    subscription = subscribe(client, side, standin)
    deliver(client, standin.fail_payment(subscription))
    with tenant_scope(side.tenant):
        account = db.session.scalar(select(BillingAccount))
        account.past_due_since = utcnow() - timedelta(days=15)
        db.session.commit()


def test_a_lapsed_tenant_is_sent_to_the_portal_not_to_checkout(world, login_as, standin, with_dummy):
    client = login_as(world.a.admin)
    lapse(world.a, client, standin)
    html = client.get(f"/{world.a.tenant.slug}/admin/billing/").get_data(as_text=True)
    assert "Continue to payment" not in html
    assert "Pay the overdue invoice in the customer portal" in html
    assert "Manage payment and invoices" in html
    # B never subscribed: it may still choose a plan.
    b_html = login_as(world.b.admin).get(f"/{world.b.tenant.slug}/admin/billing/").get_data(as_text=True)
    assert "Continue to payment" in b_html and "overdue" not in b_html


def test_the_operator_reads_module_names_not_keys(world, login_as, standin, with_dummy):
    lapse(world.a, login_as(world.a.admin), standin)
    html = (
        login_as(world.operator).get(f"/operator/tenants/{world.a.tenant.id}/billing").get_data(as_text=True)
    )
    start = html.index("Read-only modules")
    shown = html[start : html.index("</dd>", start)]
    assert "Dummy" in shown and ">dummy" not in shown and ", dummy" not in shown
    b_html = (
        login_as(world.operator).get(f"/operator/tenants/{world.b.tenant.id}/billing").get_data(as_text=True)
    )
    assert "Read-only modules" in b_html  # B's free plan leaves the dummy plugin read-only too
