"""Plans are configuration: a TOML file (``BILLING_PLANS_FILE``, default ``plans.toml`` in the
project) or a mapping in ``BILLING_PLANS`` (tests), validated with pydantic.

A plan has a key, a name, a price per month and per year (euros, at most two decimals), the
plugins it includes and an optional member limit. ``default_plan`` names the free plan a tenant
has without a subscription. ``plans()`` reads and validates the file once per app; a broken
file raises ``PlanError`` with one line per problem (``plans.toml: plans[1].plugins: ...``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from flask import Flask, current_app
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from kringwerk.pluginhost.registry import get_registry

_EXTENSION = "kringwerk.billing.plans"
INTERVALS = ("month", "year")


class PlanError(RuntimeError):
    """The plans configuration cannot be used; the message names the file and field."""


@dataclass(frozen=True)
class Plan:
    key: str
    name: str
    price_month: Decimal
    price_year: Decimal
    plugins: frozenset[str]
    member_limit: int | None = None
    description: str = ""
    # Optional Stripe price ids; without them Checkout gets the amount inline (price_data).
    stripe_price_month: str | None = None
    stripe_price_year: str | None = None

    @property
    def is_free(self) -> bool:
        return self.price_month == 0 and self.price_year == 0

    def price(self, interval: str) -> Decimal:
        return self.price_month if interval == "month" else self.price_year

    def cents(self, interval: str) -> int:
        return int(self.price(interval) * 100)

    def stripe_price(self, interval: str) -> str | None:
        return self.stripe_price_month if interval == "month" else self.stripe_price_year

    def includes(self, plugin_key: str) -> bool:
        return plugin_key in self.plugins


@dataclass(frozen=True)
class PlanCatalogue:
    currency: str
    default_key: str
    by_key: dict[str, Plan]

    def __iter__(self):
        return iter(self.by_key.values())

    def get(self, key: str | None) -> Plan | None:
        return self.by_key.get(key) if key else None

    @property
    def default(self) -> Plan:
        return self.by_key[self.default_key]

    def paid(self) -> list[Plan]:
        return [plan for plan in self if not plan.is_free]

    def cheapest_with(self, plugin_key: str) -> Plan | None:
        """The cheapest plan that includes ``plugin_key`` (the upgrade to point to)."""
        fitting = [plan for plan in self if plan.includes(plugin_key)]
        return min(fitting, key=lambda plan: (plan.price_month, plan.key), default=None)

    def for_stripe_price(self, price_id: str | None) -> tuple[Plan, str] | None:
        for plan in self:
            for interval in INTERVALS:
                if price_id and plan.stripe_price(interval) == price_id:
                    return plan, interval
        return None


# --- the schema --------------------------------------------------------------------------

Key = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Price = Annotated[Decimal, Field(ge=0, le=100_000, decimal_places=2)]


class PlanSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: Key
    name: Name
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    price_month: Price
    price_year: Price
    plugins: list[Key] = []
    member_limit: Annotated[int, Field(ge=1)] | None = None
    stripe_price_month: Annotated[str, StringConstraints(pattern=r"^price_\w+$")] | None = None
    stripe_price_year: Annotated[str, StringConstraints(pattern=r"^price_\w+$")] | None = None

    @model_validator(mode="after")
    def _prices_together(self):
        if (self.price_month == 0) != (self.price_year == 0):
            raise ValueError("a plan is free by the month and by the year, or neither")
        return self


class PlansSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: Annotated[str, StringConstraints(pattern=r"^[a-z]{3}$")] = "eur"
    default_plan: Key
    plans: list[PlanSchema] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self):
        keys = [plan.key for plan in self.plans]
        doubles = sorted({key for key in keys if keys.count(key) > 1})
        if doubles:
            raise ValueError(f"plan keys are listed twice: {', '.join(doubles)}")
        default = next((plan for plan in self.plans if plan.key == self.default_plan), None)
        if default is None:
            raise ValueError(f"default_plan {self.default_plan!r} is not one of the plans")
        if default.price_month or default.price_year:
            raise ValueError(f"default_plan {self.default_plan!r} must be free")
        return self


def parse(document: dict[str, Any], label: str, installed: set[str]) -> PlanCatalogue:
    """Validate a parsed plans document; ``installed`` are the plugin keys a plan may name."""
    try:
        parsed = PlansSchema.model_validate(document)
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in problem["loc"])
            lines.append(f"{label}: {where.lstrip('.') or '(top)'}: {problem['msg']}")
        raise PlanError("\n".join(lines)) from None
    unknown = [
        f"{label}: plans[{index}].plugins: {key!r} is not an installed plugin"
        for index, plan in enumerate(parsed.plans)
        for key in plan.plugins
        if key not in installed
    ]
    if unknown:
        raise PlanError("\n".join(unknown))
    by_key = {
        plan.key: Plan(
            key=plan.key,
            name=plan.name,
            description=plan.description,
            price_month=plan.price_month,
            price_year=plan.price_year,
            plugins=frozenset(plan.plugins),
            member_limit=plan.member_limit,
            stripe_price_month=plan.stripe_price_month,
            stripe_price_year=plan.stripe_price_year,
        )
        for plan in parsed.plans
    }
    return PlanCatalogue(currency=parsed.currency, default_key=parsed.default_plan, by_key=by_key)


def load(app: Flask) -> PlanCatalogue:
    given = app.config.get("BILLING_PLANS")
    installed = set(get_registry(app).plugin_keys())
    if given is not None:
        return parse(dict(given), "BILLING_PLANS", installed)
    path = Path(app.config["BILLING_PLANS_FILE"])
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PlanError(f"{path}: cannot be read ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise PlanError(f"{path}: {error}") from None
    return parse(document, path.name, installed)


def plans(app: Flask | None = None) -> PlanCatalogue:
    """The app's plans, read and validated on first use."""
    app = app or current_app._get_current_object()
    catalogue = app.extensions.get(_EXTENSION)
    if catalogue is None:
        catalogue = app.extensions[_EXTENSION] = load(app)
    return catalogue
