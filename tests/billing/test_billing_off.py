"""Without Stripe keys (the embedded default) billing is off: every plugin is free to enable,
nothing is read-only, the webhook and Stripe's pages do not exist, and the pages say so."""

from __future__ import annotations

import pytest

from kringwerk.billing import services
from kringwerk.config import ConfigurationError, build_config
from kringwerk.extensions import db
from kringwerk.pluginhost import gating
from kringwerk.pluginhost.services import enable_plugin
from tests.billing.helpers import PLANS
from tests.conftest import base_config
from tests.support.stripe_standin import signed


@pytest.fixture
def app_config(tmp_path, database_url):
    return base_config(tmp_path, database_url, BILLING_PLANS=PLANS)


def test_billing_is_off_and_every_plugin_free(world, login_as, with_dummy):
    assert not services.billing_enabled()
    enable_plugin(world.a.tenant, "polls", actor=world.a.admin)
    db.session.commit()
    assert gating.is_enabled(world.a.tenant, "polls")
    assert services.read_only_plugins(world.a.tenant) == frozenset()
    client = login_as(world.a.admin)
    assert (
        client.post(f"/{world.a.tenant.slug}/dummy/notes/{with_dummy['kring-a']}/delete").status_code == 200
    )
    html = client.get(f"/{world.a.tenant.slug}/admin/billing/").get_data(as_text=True)
    assert 'data-billing="off"' in html and "Every module is free to enable" in html
    assert "Continue to payment" not in html
    assert (
        client.post(f"/{world.a.tenant.slug}/admin/billing/checkout", data={"plan": "pro"}).status_code == 404
    )
    assert client.post(f"/{world.a.tenant.slug}/admin/billing/portal").status_code == 404
    operator_page = login_as(world.operator).get(f"/operator/tenants/{world.b.tenant.id}/billing")
    assert 'data-billing="off"' in operator_page.get_data(as_text=True)


def test_the_webhook_does_not_exist(world, client):
    body, headers = signed({"id": "evt_1", "type": "invoice.paid", "created": 1, "data": {"object": {}}})
    assert client.post("/stripe/webhook", data=body, headers=headers).status_code == 404
    assert services.account_of(world.a.tenant) is None


def test_the_embedded_default_has_no_keys_and_half_a_configuration_is_refused(tmp_path):
    config = build_config(tmp_path, {}, {})
    assert config["STRIPE_SECRET_KEY"] is None and config["STRIPE_WEBHOOK_SECRET"] is None
    with pytest.raises(ConfigurationError, match="STRIPE_WEBHOOK_SECRET"):
        build_config(tmp_path, {}, {"STRIPE_SECRET_KEY": "sk_test_x"})
    on = build_config(
        tmp_path,
        {},
        {"STRIPE_SECRET_KEY": "sk", "STRIPE_WEBHOOK_SECRET": "wh", "STRIPE_API_BASE": "http://x"},
    )
    assert on["STRIPE_API_BASE"] == "http://x"
