"""Read-only plugins: a plugin enabled in a tenant whose plan no longer covers it (the grace
period after a failed payment is over, or the subscription ended) keeps its data and its pages,
but every change to it is refused before the view runs, with a message saying why and where
to renew. Public pages (a guest sign-up) are refused alike. ``plugin_read_only()`` (a template
global, and in the plugin API) tells a page so it can leave out the actions that would be refused."""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _

from kringwerk.billing import services
from kringwerk.pluginhost.registry import get_registry
from kringwerk.tenancy.routing import current_tenant

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _requested_plugin() -> str | None:
    """The key of the plugin whose blueprint serves this request, or None (a core page)."""
    return get_registry().plugin_of_request()


def plugin_read_only(key: str | None = None) -> bool:
    """Whether plugin ``key`` (default: the one serving this request) is read-only in the
    current tenant, so its changes would be refused. Always False while billing is off."""
    if not services.billing_enabled():
        return False
    tenant = current_tenant()
    key = key or _requested_plugin()
    if key is None or tenant is None:
        return False
    return key in services.read_only_plugins(tenant)


def refuse_changes_to_read_only_plugins() -> None:
    if request.method in SAFE_METHODS or not services.billing_enabled():
        return
    key = _requested_plugin()
    tenant = current_tenant()
    if key is None or tenant is None:
        return
    if key in services.read_only_plugins(tenant):
        plugin = get_registry().get(key)
        abort(
            403,
            _(
                "%(plugin)s is read-only: the plan of %(name)s no longer includes it. Nothing has been "
                "deleted; an administrator can renew the subscription under Administration, Plan and billing.",
                plugin=plugin.name,
                name=tenant.name,
            ),
        )
