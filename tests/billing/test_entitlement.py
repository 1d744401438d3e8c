"""What a tenant may use, without HTTP: a comp wins, an active subscription gives its plan, a
failed payment keeps it for 14 days, then (or after cancelling) the free plan; enabling a plugin
outside the plan is refused with the upgrade to choose."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kringwerk.billing import services
from kringwerk.billing.models import BillingAccount
from kringwerk.extensions import db, utcnow
from kringwerk.pluginhost import gating
from kringwerk.pluginhost.services import PluginError, enable_plugin
from kringwerk.tenancy.context import tenant_scope


def set_state(side, **values) -> BillingAccount:
    with tenant_scope(side.tenant):
        account = services.account_of(side.tenant) or BillingAccount()
        for name, value in values.items():
            setattr(account, name, value)
        db.session.add(account)
        db.session.commit()
    return account


def test_without_an_account_the_free_plan_holds(world):
    current = services.entitlement(world.a.tenant)
    assert (current.enabled, current.source, current.plan.key) == (True, "default", "free")
    assert not current.allows("dummy")


@pytest.mark.parametrize(
    ("state", "source", "plan"),
    [
        ({"status": "active", "plan_key": "pro"}, "subscription", "pro"),
        ({"status": "trialing", "plan_key": "pro"}, "subscription", "pro"),
        ({"status": "past_due", "plan_key": "pro", "past_due_days": 13}, "grace", "pro"),
        ({"status": "past_due", "plan_key": "pro", "past_due_days": 15}, "lapsed", "free"),
        ({"status": "canceled", "plan_key": "pro"}, "default", "free"),
        ({"status": "unpaid", "plan_key": "pro"}, "default", "free"),
        ({"status": "incomplete", "plan_key": "pro"}, "default", "free"),
        ({"status": "active", "plan_key": "gone"}, "default", "free"),
        ({"status": "canceled", "plan_key": "pro", "comped_plan": "pro"}, "comp", "pro"),
        ({"status": "active", "plan_key": "pro", "comped_plan": "free"}, "comp", "free"),
    ],
)
def test_the_plan_in_force(world, state, source, plan):
    days = state.pop("past_due_days", None)
    if days is not None:
        state["past_due_since"] = utcnow() - timedelta(days=days)
    set_state(world.a, **state)
    current = services.entitlement(world.a.tenant)
    assert (current.source, current.plan.key) == (source, plan)
    if source == "grace":
        assert current.grace_until - state["past_due_since"] == timedelta(days=14)
    # Tenant B's state is its own.
    assert services.entitlement(world.b.tenant).source == "default"


def test_enabling_a_plugin_outside_the_plan_points_to_the_upgrade(world):
    with pytest.raises(PluginError) as refused:
        enable_plugin(world.a.tenant, "dummy", actor=world.a.admin)
    assert "not part of the Free plan" in str(refused.value)
    assert "Upgrade to Pro" in str(refused.value)
    db.session.rollback()
    assert not gating.is_enabled(world.a.tenant, "dummy")

    set_state(world.a, status="active", plan_key="pro")
    enable_plugin(world.a.tenant, "dummy", actor=world.a.admin)
    db.session.commit()
    assert gating.is_enabled(world.a.tenant, "dummy")
    # B's plan did not change.
    with pytest.raises(PluginError):
        enable_plugin(world.b.tenant, "dummy", actor=world.b.admin)


def test_a_plugin_in_no_plan_says_so(world):
    with pytest.raises(PluginError, match="not part of any plan"):
        enable_plugin(world.a.tenant, "events", actor=world.a.admin)


def test_read_only_plugins_are_the_enabled_ones_outside_the_plan(world, with_dummy):
    assert services.read_only_plugins(world.a.tenant) == {"dummy"}
    set_state(world.a, status="active", plan_key="pro")
    gating.forget(world.a.tenant)
    assert services.read_only_plugins(world.a.tenant) == frozenset()
    assert services.read_only_plugins(world.b.tenant) == {"dummy"}


def test_comping_a_plan_is_recorded_and_can_be_ended(world):
    from kringwerk.audit.models import AuditEntry

    services.comp_plan(world.a.tenant, "pro", actor=world.operator, note="pilot region")
    db.session.commit()
    assert services.entitlement(world.a.tenant).source == "comp"
    services.comp_plan(world.a.tenant, None, actor=world.operator)
    db.session.commit()
    assert services.entitlement(world.a.tenant).source == "default"
    with tenant_scope(world.a.tenant):
        actions = [entry.action for entry in db.session.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions[-2:] == ["billing.comped", "billing.comp_ended"]
    with pytest.raises(services.BillingError):
        services.comp_plan(world.a.tenant, "gold", actor=world.operator)
    # Ending a comp where there is none creates nothing.
    assert services.comp_plan(world.b.tenant, None, actor=world.operator) is None
    assert services.account_of(world.b.tenant) is None


def test_checkout_is_refused_while_a_subscription_or_comp_holds(world, standin):
    set_state(world.a, status="past_due", plan_key="pro", past_due_since=utcnow())
    with pytest.raises(services.BillingError, match="already have a subscription"):
        services.start_checkout(
            world.a.tenant, "pro", "month", actor=None, success_url="x", cancel_url="x", locale="en"
        )
    set_state(world.b, comped_plan="pro")
    with pytest.raises(services.BillingError, match="provided by the platform"):
        services.start_checkout(
            world.b.tenant, "pro", "month", actor=None, success_url="x", cancel_url="x", locale="en"
        )
    with pytest.raises(services.BillingError, match="paid plans"):
        services.start_checkout(
            world.a.tenant, "free", "month", actor=None, success_url="x", cancel_url="x", locale="en"
        )
    assert standin.requests == []
