"""Enabling and disabling plugins per tenant, and their settings."""

from __future__ import annotations

import copy
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.audit.services import record
from kringwerk.extensions import db, utcnow
from kringwerk.pluginhost import gating
from kringwerk.pluginhost.models import TenantPlugin
from kringwerk.pluginhost.registry import get_registry
from kringwerk.tenancy import cache as process_cache
from kringwerk.tenancy.context import tenant_scope


class PluginError(ValueError):
    """A plugin change that cannot be made; the message is for the user."""


def _row(key: str) -> TenantPlugin | None:
    return db.session.scalar(select(TenantPlugin).where(TenantPlugin.key == key))


def enable_plugin(tenant, key: str, *, actor=None, settings: dict[str, Any] | None = None) -> TenantPlugin:
    registry = get_registry()
    plugin = registry.get(key)
    if plugin is None:
        raise PluginError(_l("There is no plugin called “%(key)s”.", key=key))
    with tenant_scope(tenant):
        enabled = gating.enabled_keys(tenant)
        missing = [required for required in plugin.requires if required not in enabled]
        if missing:
            raise PluginError(
                _l(
                    "%(plugin)s needs %(missing)s to be enabled first.",
                    plugin=plugin.name,
                    missing=", ".join(missing),
                )
            )
        row = _row(key)
        if row is None or not row.enabled:
            _refuse_outside_plan(tenant, key)
        if row is None:
            row = TenantPlugin(key=key, settings={**plugin.default_settings, **(settings or {})})
            db.session.add(row)
        elif row.enabled:
            return row
        elif settings:
            row.settings = {**row.settings, **settings}
        row.enabled = True
        row.enabled_at = utcnow()
        row.enabled_by_id = getattr(actor, "id", None)
        row.disabled_at = None
        record("plugin.enabled", actor=actor, target=row, target_label=key)
        db.session.flush()
    gating.forget(tenant)
    return row


def _refuse_outside_plan(tenant, key: str) -> None:
    """With billing on, a plugin outside the tenant's plan is not enabled (the message points
    to the upgrade); without billing every plugin is free."""
    from kringwerk.billing.services import plan_refusal

    refusal = plan_refusal(tenant, key)
    if refusal:
        raise PluginError(refusal)


def open_work(tenant, key: str) -> list[str]:
    """What plugin ``key`` has under way in ``tenant`` (its ``open_work`` hook), asked
    before it is disabled so the person disabling it confirms knowingly."""
    with tenant_scope(tenant):
        return [str(line) for line in gating.collect(gating.plugin_hooks(key).open_work(tenant=tenant))]


def disable_plugin(tenant, key: str, *, actor=None) -> TenantPlugin | None:
    registry = get_registry()
    if registry.get(key) is None:
        raise PluginError(_l("There is no plugin called “%(key)s”.", key=key))
    with tenant_scope(tenant):
        dependants = [
            other.name for other in registry if key in other.requires and gating.is_enabled(tenant, other.key)
        ]
        if dependants:
            raise PluginError(
                _l(
                    "%(plugin)s is needed by %(dependants)s; disable those first.",
                    plugin=registry.get(key).name,
                    dependants=", ".join(map(str, dependants)),
                )
            )
        row = _row(key)
        if row is None or not row.enabled:
            return row
        row.enabled = False
        row.disabled_at = utcnow()
        record("plugin.disabled", actor=actor, target=row, target_label=key)
        db.session.flush()
    gating.forget(tenant)
    return row


def plugin_settings(tenant, key: str) -> dict[str, Any]:
    """The plugin's defaults overlaid with what the tenant set (in a request from the process
    cache, renewed by any change to ``tenant_plugins``); the caller gets its own copy."""
    generation = process_cache.current()
    if generation is None:
        return _read_settings(tenant, key)
    cache_key = ("plugin_settings", tenant.id, key)
    kept = generation.get(cache_key)
    if kept is None:
        kept = _read_settings(tenant, key)
        # Not if the query's autoflush wrote a plugin change of this request (it left the cache).
        if process_cache.current() is generation:
            generation.put(cache_key, kept)
    # A copy: what a caller changes in its settings must not reach the next request.
    return copy.deepcopy(kept)


def _read_settings(tenant, key: str) -> dict[str, Any]:
    plugin = get_registry().get(key)
    defaults = dict(plugin.default_settings) if plugin else {}
    with tenant_scope(tenant):
        row = _row(key)
    return copy.deepcopy({**defaults, **(row.settings if row else {})})


def update_plugin_settings(tenant, key: str, changes: dict[str, Any], *, actor=None) -> dict[str, Any]:
    with tenant_scope(tenant):
        row = _row(key)
        if row is None:
            raise PluginError(_l("Enable the plugin before changing its settings."))
        row.settings = {**row.settings, **changes}
        record("plugin.settings_changed", actor=actor, target=row, target_label=key, details=changes)
        db.session.flush()
    return plugin_settings(tenant, key)


# --- settings forms plugins add to the tenant's settings page --------------------------------

_NOT_SETTINGS = ("CSRFTokenField", "SubmitField")


def settings_forms(tenant) -> list:
    """The SettingsForms of the plugins enabled in ``tenant``, in order; one per plugin."""
    enabled = gating.enabled_keys(tenant)
    offered = gating.collect(gating.hooks(tenant).tenant_settings_forms(tenant=tenant))
    chosen: dict[str, Any] = {}
    for spec in sorted(offered, key=lambda s: (s.order, s.plugin)):
        # A plugin speaks for its own settings only, and only where it is on.
        if spec.plugin in enabled and spec.plugin not in chosen:
            chosen[spec.plugin] = spec
    return list(chosen.values())


def settings_form(tenant, key: str):
    """The SettingsForm plugin ``key`` offers in ``tenant``, or None (not offered, or not enabled)."""
    return next((spec for spec in settings_forms(tenant) if spec.plugin == key), None)


def save_settings_form(tenant, key: str, form, *, actor=None) -> dict[str, Any]:
    """Store a validated settings form's fields in the plugin's settings; returns what changed."""
    values = {name: fld.data for name, fld in form._fields.items() if fld.type not in _NOT_SETTINGS}
    current = plugin_settings(tenant, key)
    changes = {name: value for name, value in values.items() if current.get(name) != value}
    if changes:
        update_plugin_settings(tenant, key, changes, actor=actor)
    return changes
