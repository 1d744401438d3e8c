"""Read-only plugins: a plugin enabled in a tenant whose plan no longer covers it (the grace
period after a failed payment is over, or the subscription ended) keeps its data and its pages,
but every change to it is refused before the view runs, with a message saying why and where
to renew. Public pages (a guest sign-up) are refused alike."""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _

from kringwerk.billing import services
from kringwerk.pluginhost.registry import get_registry
from kringwerk.tenancy.routing import current_tenant

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def refuse_changes_to_read_only_plugins() -> None:
    if request.method in SAFE_METHODS or not services.billing_enabled():
        return
    registry = get_registry()
    key = next(
        (found for name in request.blueprints if (found := registry.plugin_for_blueprint(name)) is not None),
        None,
    )
    tenant = current_tenant()
    if key is None or tenant is None:
        return
    if key in services.read_only_plugins(tenant):
        plugin = registry.get(key)
        abort(
            403,
            _(
                "%(plugin)s is read-only: the plan of %(name)s no longer includes it. Nothing has been "
                "deleted; an administrator can renew the subscription under Administration, Plan and billing.",
                plugin=plugin.name,
                name=tenant.name,
            ),
        )
