"""Per-tenant plugin gating: which plugins are on, and hooks limited to them.

In a request the enabled plugins of a tenant come from the process cache
(``tenancy.cache``, renewed by any change to ``tenant_plugins``); elsewhere they are read
once per app context. The hook callers limited to a set of plugins are built once per app
and set (pluggy's ``subset_hook_caller``), not on every ``hooks(tenant).x``.
"""

from __future__ import annotations

from flask import current_app, g, has_app_context
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.pluginhost.models import TenantPlugin
from kringwerk.pluginhost.registry import get_registry
from kringwerk.tenancy import cache as process_cache
from kringwerk.tenancy.context import tenant_scope

_CACHE = "_kringwerk_enabled_plugins"
_CALLERS = "kringwerk.hook_callers"


def enabled_keys(tenant) -> frozenset[str]:
    """Keys of the installed plugins enabled in ``tenant`` (in a request from the process
    cache, else one query per app context)."""
    generation = process_cache.current()
    if generation is not None:
        keys = generation.get(("plugins", tenant.id))
        if keys is None:
            keys = _read_enabled(tenant)
            # Not if the query's autoflush wrote a plugin change of this request (it left the cache).
            if process_cache.current() is generation:
                generation.put(("plugins", tenant.id), keys)
        return keys
    cache = g.setdefault(_CACHE, {}) if has_app_context() else {}
    if tenant.id not in cache:
        cache[tenant.id] = _read_enabled(tenant)
    return cache[tenant.id]


def _read_enabled(tenant) -> frozenset[str]:
    with tenant_scope(tenant):
        keys = db.session.scalars(select(TenantPlugin.key).where(TenantPlugin.enabled)).all()
    installed = set(get_registry().plugin_keys())
    return frozenset(k for k in keys if k in installed)


def is_enabled(tenant, key: str) -> bool:
    return key in enabled_keys(tenant)


def forget(tenant) -> None:
    if has_app_context():
        g.setdefault(_CACHE, {}).pop(tenant.id, None)


class TenantHooks:
    """``hooks(tenant).nav_items(tenant=..., user=...)`` calls only enabled plugins."""

    def __init__(self, tenant) -> None:
        self._tenant = tenant

    def __getattr__(self, name: str):
        enabled = enabled_keys(self._tenant)
        callers = _callers()
        caller = callers.get((name, enabled))
        if caller is None:
            registry = get_registry()
            disabled = [
                registry.pm.get_plugin(key)
                for key in registry.plugin_keys()
                if key not in enabled and registry.pm.get_plugin(key) is not None
            ]
            caller = callers[(name, enabled)] = registry.pm.subset_hook_caller(name, remove_plugins=disabled)
        return caller


def _callers() -> dict:
    """This app's hook callers by (hook, enabled keys) or (hook, "only", key). The registry is
    complete once the app is built, so a caller never needs rebuilding; a pluggy subset caller
    looks up the implementations when called, so it stays right as they are added."""
    return current_app.extensions.setdefault(_CALLERS, {})


def hooks(tenant) -> TenantHooks:
    return TenantHooks(tenant)


class PluginHooks:
    """``plugin_hooks(key).open_work(tenant=...)`` calls the hook on plugin ``key`` alone."""

    def __init__(self, key: str) -> None:
        self._key = key

    def __getattr__(self, name: str):
        callers = _callers()
        caller = callers.get((name, "only", self._key))
        if caller is None:
            pm = get_registry().pm
            others = [plugin for plugin_name, plugin in pm.list_name_plugin() if plugin_name != self._key]
            caller = callers[(name, "only", self._key)] = pm.subset_hook_caller(name, remove_plugins=others)
        return caller


def plugin_hooks(key: str) -> PluginHooks:
    """Hook callers reaching only the plugin ``key``, enabled or not (to ask it about itself)."""
    return PluginHooks(key)


def all_hooks():
    """Hook callers reaching every installed plugin, enabled or not (data hooks only)."""
    return get_registry().pm.hook


def collect(results) -> list:
    """Flatten hook results: each plugin returns a list (or None)."""
    flat = []
    for result in results:
        if result:
            flat.extend(result)
    return flat
