"""Plans and billing through Stripe.

Plans are configuration (``plans``); a tenant's subscription state and an operator's comp are
its ``BillingAccount`` (``models``); the rules are in ``services``; ``stripe_client`` makes the
few calls to Stripe; ``views`` holds the tenant's billing page, the operator's comp page and
Stripe's webhook, whose slow half runs as a job (``jobs``); ``guard`` makes plugins outside
the plan read-only. Without ``STRIPE_SECRET_KEY`` and ``STRIPE_WEBHOOK_SECRET`` billing is off
and every plugin is free to enable.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from kringwerk.billing import guard, hooks, models, notices, views  # noqa: F401 - models join the metadata
    from kringwerk.extensions import csrf
    from kringwerk.pluginhost.registry import get_registry

    app.register_blueprint(views.bp)
    app.register_blueprint(views.operator_bp)
    # Stripe signs its calls; it cannot send our CSRF token.
    csrf.exempt(views.webhook)
    app.register_blueprint(views.webhook_bp)
    # After pluginhost's own checks (disabled plugin 404, sign-in), before any plugin view.
    app.before_request(guard.refuse_changes_to_read_only_plugins)
    get_registry(app).pm.register(hooks, name="core.billing")
    app.add_template_global(notices.billing_notice)
    app.add_template_global(guard.plugin_read_only)
    _check_plans(app)


def _check_plans(app: Flask) -> None:
    """With billing on, a broken plans file stops the start (as a missing SECRET_KEY does),
    rather than every plugin change failing later."""
    from kringwerk.billing.plans import PlanError, plans
    from kringwerk.billing.stripe_client import billing_enabled
    from kringwerk.config import ConfigurationError

    if not billing_enabled(app):
        return
    try:
        plans(app)
    except PlanError as broken:
        raise ConfigurationError(f"the plans cannot be used:\n{broken}") from None
