"""The billing notice every tenant page shows above its content, when there is one: on a page
of a read-only plugin, that it cannot be changed and why; to the tenant's admins, that a
payment failed and when the grace period ends. Nothing is read while billing is off."""

from __future__ import annotations

from flask import request
from flask_babel import format_date
from flask_babel import gettext as _

from kringwerk.accounts.models import Role
from kringwerk.accounts.permissions import has_role
from kringwerk.billing import services
from kringwerk.pluginhost.registry import get_registry
from kringwerk.tenancy.routing import current_tenant


def billing_notice() -> str | None:
    tenant = current_tenant()
    if tenant is None or not services.billing_enabled():
        return None
    current = services.entitlement(tenant)
    registry = get_registry()
    key = next(
        (found for name in request.blueprints if (found := registry.plugin_for_blueprint(name)) is not None),
        None,
    )
    if key is not None and not current.allows(key):
        return _(
            "%(plugin)s is read-only: the plan of %(name)s no longer includes it. You can read "
            "everything; nothing has been deleted.",
            plugin=registry.get(key).name,
            name=tenant.name,
        )
    if current.source == "grace" and has_role(Role.ADMIN):
        return _(
            "The last payment for %(name)s failed. Update the payment method under Plan and billing "
            "before %(date)s; after that the paid modules become read-only.",
            name=tenant.name,
            date=format_date(current.grace_until),
        )
    return None
