"""Plans are configuration, validated like tenant files: a readable message per problem."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kringwerk.billing.plans import PlanError, load, parse, plans
from tests.billing.helpers import PLANS

INSTALLED = {"polls", "events", "dummy"}


def document(**changes):
    return {**PLANS, **changes}


def test_the_plans_in_use_are_read_once(app):
    catalogue = plans()
    assert plans() is catalogue
    assert catalogue.default.key == "free" and catalogue.default.is_free
    pro = catalogue.get("pro")
    assert pro.price_month == Decimal("12.50") and pro.cents("month") == 1250 and pro.cents("year") == 12500
    assert pro.includes("dummy") and not catalogue.default.includes("dummy")
    assert catalogue.cheapest_with("dummy") is pro
    assert catalogue.cheapest_with("events") is None
    assert [plan.key for plan in catalogue.paid()] == ["pro"]


def test_the_shipped_plans_file_is_valid(app):
    app.config["BILLING_PLANS"] = None
    catalogue = load(app)
    assert catalogue.default.is_free
    assert all(not plan.is_free for plan in catalogue.paid())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"default_plan": "pro"}, "default_plan 'pro' must be free"),
        ({"default_plan": "gold"}, "default_plan 'gold' is not one of the plans"),
        ({"plans": [*PLANS["plans"], PLANS["plans"][1]]}, "plan keys are listed twice: pro"),
        (
            {"plans": [PLANS["plans"][0], {**PLANS["plans"][1], "plugins": ["nope"]}]},
            "'nope' is not an installed plugin",
        ),
        (
            {"plans": [PLANS["plans"][0], {**PLANS["plans"][1], "price_month": "9.999"}]},
            "plans[1].price_month",
        ),
        ({"plans": [PLANS["plans"][0], {**PLANS["plans"][1], "price_month": -1}]}, "plans[1].price_month"),
        ({"plans": [PLANS["plans"][0], {**PLANS["plans"][1], "member_limit": 0}]}, "plans[1].member_limit"),
        (
            {"plans": [PLANS["plans"][0], {**PLANS["plans"][1], "price_year": 0}]},
            "free by the month and by the year",
        ),
        ({"plans": [PLANS["plans"][0], {**PLANS["plans"][1], "colour": "red"}]}, "plans[1].colour"),
        ({"plans": []}, "plans"),
    ],
)
def test_a_broken_plans_document_names_the_problem(changes, message):
    with pytest.raises(PlanError) as raised:
        parse(document(**changes), "plans.toml", INSTALLED)
    assert message in str(raised.value)
    assert str(raised.value).startswith("plans.toml")


def test_an_unreadable_plans_file_says_so(app, tmp_path):
    app.config["BILLING_PLANS"] = None
    app.config["BILLING_PLANS_FILE"] = str(tmp_path / "missing.toml")
    with pytest.raises(PlanError, match="cannot be read"):
        load(app)
    (tmp_path / "broken.toml").write_text("plans = [")
    app.config["BILLING_PLANS_FILE"] = str(tmp_path / "broken.toml")
    with pytest.raises(PlanError, match="broken.toml"):
        load(app)


def test_with_billing_on_a_broken_plans_file_stops_the_start(tmp_path, database_url):
    from kringwerk import create_app
    from kringwerk.config import ConfigurationError
    from tests.conftest import base_config

    broken = {**PLANS, "default_plan": "pro"}
    config = base_config(
        tmp_path, database_url, STRIPE_SECRET_KEY="sk", STRIPE_WEBHOOK_SECRET="wh", BILLING_PLANS=broken
    )
    with pytest.raises(ConfigurationError, match="default_plan 'pro' must be free"):
        create_app(config, environ={})
    # Billing off: the plans are not read at all.
    create_app(base_config(tmp_path, database_url, BILLING_PLANS=broken), environ={})
