"""Per-tenant plugin gating: which plugins are on, and hooks limited to them."""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.pluginhost.models import TenantPlugin
from kringwerk.pluginhost.registry import get_registry
from kringwerk.tenancy.context import tenant_scope

_CACHE = "_kringwerk_enabled_plugins"


def enabled_keys(tenant) -> frozenset[str]:
    """Keys of the installed plugins enabled in ``tenant`` (one query per app context)."""
    cache = g.setdefault(_CACHE, {}) if has_app_context() else {}
    if tenant.id not in cache:
        with tenant_scope(tenant):
            keys = db.session.scalars(select(TenantPlugin.key).where(TenantPlugin.enabled)).all()
        installed = set(get_registry().plugin_keys())
        cache[tenant.id] = frozenset(k for k in keys if k in installed)
    return cache[tenant.id]


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
        registry = get_registry()
        enabled = enabled_keys(self._tenant)
        disabled = [
            registry.pm.get_plugin(key)
            for key in registry.plugin_keys()
            if key not in enabled and registry.pm.get_plugin(key) is not None
        ]
        return registry.pm.subset_hook_caller(name, remove_plugins=disabled)


def hooks(tenant) -> TenantHooks:
    return TenantHooks(tenant)


class PluginHooks:
    """``plugin_hooks(key).open_work(tenant=...)`` calls the hook on plugin ``key`` alone."""

    def __init__(self, key: str) -> None:
        self._key = key

    def __getattr__(self, name: str):
        pm = get_registry().pm
        others = [plugin for plugin_name, plugin in pm.list_name_plugin() if plugin_name != self._key]
        return pm.subset_hook_caller(name, remove_plugins=others)


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
