"""The billing pages: who may open them, the forms' messages, the customer portal, the
operator's comp page."""

from __future__ import annotations

import pytest

from kringwerk.billing import services
from kringwerk.extensions import db
from tests.billing.helpers import start_checkout, subscribe


def billing_url(side, rest="") -> str:
    return f"/{side.tenant.slug}/admin/billing/{rest}"


@pytest.mark.both_databases
def test_only_the_tenants_admins_open_its_billing_page(world, client, login_as):
    assert client.get(billing_url(world.a)).status_code == 302  # to sign in
    assert login_as(world.a.member).get(billing_url(world.a)).status_code == 403
    assert login_as(world.b.admin).get(billing_url(world.a)).status_code == 404
    assert (
        client.post(billing_url(world.a, "checkout"), data={"plan": "pro", "interval": "month"}).status_code
        == 404
    )
    assert client.post(billing_url(world.a, "portal")).status_code == 404
    assert services.account_of(world.a.tenant) is None
    admin = login_as(world.a.admin)
    assert admin.get(billing_url(world.a)).status_code == 200
    home = admin.get(f"/{world.a.tenant.slug}/admin/").get_data(as_text=True)
    assert "Plan and billing" in home


def test_the_checkout_form_says_what_is_missing(world, login_as, standin):
    client = login_as(world.a.admin)
    response = client.post(billing_url(world.a, "checkout"), data={"interval": "week"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a plan." in html and "Not a valid choice" in html
    assert standin.requests == []


def test_the_customer_portal_opens_for_a_customer_only(world, login_as, standin):
    client = login_as(world.a.admin)
    refused = client.post(billing_url(world.a, "portal"))
    assert refused.status_code == 409
    assert "subscribe to a plan first" in refused.get_data(as_text=True)
    subscribe(client, world.a, standin)
    opened = client.post(billing_url(world.a, "portal"))
    assert opened.status_code == 303
    assert opened.headers["Location"].startswith("https://billing.stripe.test/p/session/")
    call = [r for r in standin.requests if r.path == "/v1/billing_portal/sessions"][0]
    account = services.account_of(world.a.tenant)
    assert call.params["customer"] == account.stripe_customer_id
    assert call.params["return_url"].endswith(billing_url(world.a))
    assert call.idempotency_key.startswith(f"kringwerk-portal-t{world.a.tenant.id}-")
    # B has no customer, and A's does not open for B.
    assert login_as(world.b.admin).post(billing_url(world.b, "portal")).status_code == 409


def test_an_unreachable_stripe_gives_a_message_not_an_error(world, login_as, app):
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"
    app.extensions.pop("kringwerk.billing.stripe", None)
    client = login_as(world.a.admin)
    response = client.post(billing_url(world.a, "checkout"), data={"plan": "pro", "interval": "month"})
    assert response.status_code == 503
    assert "Stripe could not be reached" in response.get_data(as_text=True)
    db.session.expire_all()
    account = services.account_of(world.a.tenant)
    assert account is None or account.stripe_customer_id is None


def test_a_subscribed_tenant_is_not_offered_a_second_subscription(world, login_as, standin):
    client = login_as(world.a.admin)
    subscribe(client, world.a, standin)
    html = client.get(billing_url(world.a)).get_data(as_text=True)
    assert "Continue to payment" not in html and "Manage payment and invoices" in html
    again = client.post(billing_url(world.a, "checkout"), data={"plan": "pro", "interval": "month"})
    assert again.status_code == 409
    assert "already have a subscription" in again.get_data(as_text=True)
    # B is still offered the plans.
    assert "Continue to payment" in login_as(world.b.admin).get(billing_url(world.b)).get_data(as_text=True)


def test_returning_from_checkout_says_the_payment_is_being_confirmed(world, login_as, standin):
    client = login_as(world.a.admin)
    start_checkout(client, world.a)
    html = client.get(billing_url(world.a) + "?checkout=done").get_data(as_text=True)
    assert "Stripe is confirming the payment" in html
    assert services.account_of(world.a.tenant).status is None


# --- the operator's comp ------------------------------------------------------------------


def comp_url(side) -> str:
    return f"/operator/tenants/{side.tenant.id}/billing"


@pytest.mark.both_databases
def test_an_operator_comps_a_plan(world, login_as):
    assert login_as(world.a.admin).get(comp_url(world.a)).status_code == 404
    assert login_as(world.a.admin).post(comp_url(world.a), data={"plan": "pro"}).status_code == 404
    assert services.account_of(world.a.tenant) is None

    client = login_as(world.operator)
    assert client.get(comp_url(world.a)).status_code == 200
    bad = client.post(comp_url(world.a), data={"plan": "gold"})
    assert bad.status_code == 422
    saved = client.post(comp_url(world.a), data={"plan": "pro", "note": "pilot"})
    assert saved.status_code == 302
    assert services.entitlement(world.a.tenant).source == "comp"
    assert services.entitlement(world.b.tenant).source == "default"
    html = client.get(comp_url(world.a)).get_data(as_text=True)
    assert 'data-plan="pro"' in html and "pilot" in html
    assert "Provided free of charge by the platform" in login_as(world.a.admin).get(
        billing_url(world.a)
    ).get_data(as_text=True)
    assert login_as(world.operator).get("/operator/tenants/999999/billing").status_code == 404


def test_the_billing_page_speaks_dutch_with_prices_in_dutch(world, login_as, standin):
    from kringwerk.accounts.models import User

    user = db.session.get(User, world.a.admin.id)
    user.preferred_locale = "nl"
    db.session.commit()
    client = login_as(world.a.admin)
    html = client.get(billing_url(world.a)).get_data(as_text=True)
    assert "Abonnement en betaling" in html and "Verder naar betalen" in html
    assert "€ 12,50" in html.replace("\xa0", " ")
    # The checkout opens in Dutch too.
    start_checkout(client, world.a)
    assert [r.params["locale"] for r in standin.requests if r.path == "/v1/checkout/sessions"] == ["nl"]
    # B's admin still reads English.
    assert "Plan and billing" in login_as(world.b.admin).get(billing_url(world.b)).get_data(as_text=True)


def test_more_people_than_the_plan_allows_is_pointed_out(world, login_as, app):
    from tests.billing.helpers import PLANS

    small = {**PLANS, "plans": [{**PLANS["plans"][0], "member_limit": 3}, PLANS["plans"][1]]}
    app.config["BILLING_PLANS"] = small
    app.extensions.pop("kringwerk.billing.plans", None)
    html = login_as(world.a.admin).get(billing_url(world.a)).get_data(as_text=True)
    assert "data-over-limit" in html and "4 of at most 3" in html
    assert "new invitations are refused until you choose a larger plan" in html
    assert "may ask you" not in html
    world.a.admin.preferred_locale = "nl"
    db.session.commit()
    nl = login_as(world.a.admin).get(billing_url(world.a)).get_data(as_text=True)
    assert "nieuwe uitnodigingen worden geweigerd tot u een groter abonnement kiest" in nl
    # B (also 4 people, same plan) reads the same about itself, not about A.
    b_html = login_as(world.b.admin).get(billing_url(world.b)).get_data(as_text=True)
    assert "data-over-limit" in b_html and world.a.tenant.name not in b_html


def test_pages_say_when_a_module_is_read_only_or_a_payment_failed(world, login_as, standin):
    from kringwerk.pluginhost.models import TenantPlugin
    from kringwerk.tenancy.context import tenant_scope
    from tests.billing.helpers import deliver

    for side in (world.a, world.b):
        with tenant_scope(side.tenant):
            db.session.add(TenantPlugin(key="polls", settings={}))
            db.session.commit()
    client = login_as(world.a.admin)
    polls = client.get(f"/{world.a.tenant.slug}/polls/")
    assert polls.status_code == 200
    assert "read-only: the plan of Kring A no longer includes it" in polls.get_data(as_text=True)
    assert 'id="billing-notice"' in polls.get_data(as_text=True)

    subscription = subscribe(client, world.a, standin)
    assert 'id="billing-notice"' not in client.get(f"/{world.a.tenant.slug}/polls/").get_data(as_text=True)
    deliver(client, standin.fail_payment(subscription))
    home = client.get(f"/{world.a.tenant.slug}/").get_data(as_text=True)
    assert "The last payment for Kring A failed" in home
    # Members are not bothered with payments; B (free plan, polls outside it) sees its own notice.
    assert "The last payment" not in login_as(world.a.member).get(f"/{world.a.tenant.slug}/").get_data(
        as_text=True
    )
    b_polls = login_as(world.b.admin).get(f"/{world.b.tenant.slug}/polls/").get_data(as_text=True)
    assert "the plan of Kring B no longer includes it" in b_polls
