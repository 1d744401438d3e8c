"""The plugin host: the only part of the core plugins import besides models.

A plugin package exposes ``plugin = Plugin(...)``; see ``manifest`` and
``hookspecs``. The core never imports a plugin; it iterates the registry.
"""

from __future__ import annotations

from flask import Flask

from kringwerk.pluginhost.gating import all_hooks, collect, enabled_keys, hooks, is_enabled
from kringwerk.pluginhost.hookspecs import hookimpl
from kringwerk.pluginhost.manifest import (
    AdminSection,
    CooperationMatch,
    DashboardCard,
    DemoContribution,
    FollowUpOffer,
    NavItem,
    PeriodicJob,
    Plugin,
    PublicLink,
    SettingsForm,
    ThemeActivity,
)
from kringwerk.pluginhost.registry import EXTENSION_KEY, PluginRegistry, get_registry

__all__ = [
    "AdminSection",
    "CooperationMatch",
    "DashboardCard",
    "DemoContribution",
    "FollowUpOffer",
    "NavItem",
    "PeriodicJob",
    "Plugin",
    "PublicLink",
    "SettingsForm",
    "ThemeActivity",
    "all_hooks",
    "collect",
    "enabled_keys",
    "get_registry",
    "hookimpl",
    "hooks",
    "init_app",
    "is_enabled",
]


def init_app(app: Flask) -> None:
    from kringwerk.pluginhost import views
    from kringwerk.pluginhost.models import TenantPlugin
    from kringwerk.tenancy import cache

    # Which plugins a tenant has on is kept per process; any change to them renews the stamp.
    cache.install(app, TenantPlugin)
    registry = PluginRegistry()
    registry.load([*app.config["BUNDLED_PLUGINS"], *app.config["EXTRA_PLUGINS"]])
    app.extensions[EXTENSION_KEY] = registry
    registry.install(app)
    views.install(app)
    # Each plugin brings its own catalogs. Flask-Babel merges the folders in order
    # and a later one wins, so the core's comes last: a plugin cannot reword the core.
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        [*registry.translation_directories(), app.config["BABEL_TRANSLATION_DIRECTORIES"]]
    )
