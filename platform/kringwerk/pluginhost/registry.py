"""Finding plugins, and wiring them into an app.

Bundled plugins are named in ``BUNDLED_PLUGINS`` (module paths); third-party
ones are found through the entry-point group ``kringwerk.plugins``; tests add
theirs through ``EXTRA_PLUGINS``. Each module exposes ``plugin = Plugin(...)``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

import pluggy
from flask import Flask, abort, current_app, g, request

from kringwerk.pluginhost import hookspecs
from kringwerk.pluginhost.access import require_access
from kringwerk.pluginhost.manifest import Plugin

log = logging.getLogger("kringwerk.plugins")

ENTRY_POINT_GROUP = "kringwerk.plugins"
EXTENSION_KEY = "kringwerk.plugins"
# The core's own hook implementations take part under this name, in every tenant.
CORE = "core"


class PluginLoadError(RuntimeError):
    pass


class PluginRegistry:
    def __init__(self) -> None:
        self._plugins: dict[str, Plugin] = {}
        self._by_blueprint: dict[str, str] = {}
        self._translations: dict[str, Path] = {}
        self._by_package: dict[str, str] = {}
        # request.blueprint -> the plugin whose routes it serves (None for the core's),
        # filled on first use: every request asks, the answer never changes once installed.
        self._by_request_blueprint: dict[str | None, str | None] = {}
        self.pm = pluggy.PluginManager("kringwerk")
        self.pm.add_hookspecs(hookspecs)

    def __iter__(self) -> Iterator[Plugin]:
        return iter(sorted(self._plugins.values(), key=lambda p: p.key))

    def __contains__(self, key: str) -> bool:
        return key in self._plugins

    def __len__(self) -> int:
        return len(self._plugins)

    def get(self, key: str) -> Plugin | None:
        return self._plugins.get(key)

    def plugin_keys(self) -> list[str]:
        return sorted(self._plugins)

    def plugin_for_blueprint(self, blueprint_name: str | None) -> str | None:
        return self._by_blueprint.get(blueprint_name) if blueprint_name else None

    def plugin_of_request(self) -> str | None:
        """The key of the plugin whose blueprint (or one it is nested in) serves this
        request, or None: the first of ``request.blueprints`` that belongs to a plugin."""
        name = request.blueprint
        try:
            return self._by_request_blueprint[name]
        except KeyError:
            pass
        key = next(
            (k for k in map(self.plugin_for_blueprint, request.blueprints) if k is not None),
            None,
        )
        self._by_request_blueprint[name] = key
        return key

    def plugin_for_module(self, module_name: str) -> str | None:
        """The key of the plugin whose package holds ``module_name`` (``plugins.polls.jobs``
        belongs to ``polls``), or None for the core's own modules."""
        parts = module_name.split(".")
        for end in range(len(parts), 0, -1):
            key = self._by_package.get(".".join(parts[:end]))
            if key is not None:
                return key
        return None

    def translation_directories(self) -> list[str]:
        """The catalog folders of the installed plugins, in key order."""
        return [str(self._translations[key]) for key in self.plugin_keys() if key in self._translations]

    def add_core(self, hooks: object) -> None:
        """Register the core's own hook implementations: always on, in every tenant."""
        self.pm.register(hooks, name=CORE)

    def add(self, plugin: Plugin, module: ModuleType | None = None) -> None:
        """Add ``plugin``; ``module`` is where its manifest lives (for its default translations folder)."""
        if not isinstance(plugin, Plugin):
            raise PluginLoadError(f"{plugin!r} is not a kringwerk Plugin manifest")
        if plugin.key == CORE:
            raise PluginLoadError(f"the plugin key {CORE!r} is the core's own")
        if plugin.key in self._plugins:
            raise PluginLoadError(f"two plugins use the key {plugin.key!r}")
        if plugin.models:
            import_module(plugin.models)
        if plugin.hooks is not None:
            self.pm.register(plugin.hooks, name=plugin.key)
        self._plugins[plugin.key] = plugin
        package = _package_of(module)
        if package:
            self._by_package.setdefault(package, plugin.key)
        translations = _translations_folder(plugin, module)
        if translations is not None:
            self._translations[plugin.key] = translations

    def load(self, module_paths) -> None:
        for path in module_paths:
            module = import_module(path)
            self.add(_manifest_from(module, path), module)
        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            loaded = entry_point.load()
            plugin = loaded if isinstance(loaded, Plugin) else _manifest_from(loaded, entry_point.value)
            if plugin.key in self._plugins:
                log.info("entry point %s repeats plugin %s; keeping the first", entry_point.name, plugin.key)
                continue
            self.add(plugin, import_module(entry_point.module))
        for plugin in self._plugins.values():
            missing = [key for key in plugin.requires if key not in self._plugins]
            if missing:
                raise PluginLoadError(f"plugin {plugin.key!r} requires missing plugins {missing}")

    def install(self, app: Flask) -> None:
        for plugin in self:
            if plugin.blueprint is None:
                continue
            app.register_blueprint(plugin.blueprint, url_prefix=f"/<tenant>/{plugin.key}")
            self._by_blueprint[plugin.blueprint.name] = plugin.key
        self._by_request_blueprint.clear()
        app.before_request(_plugin_gate(self))


def _manifest_from(module, where: str) -> Plugin:
    plugin = getattr(module, "plugin", None)
    if not isinstance(plugin, Plugin):
        raise PluginLoadError(f"{where} has no `plugin = Plugin(...)` manifest")
    return plugin


def _package_of(module: ModuleType | None) -> str | None:
    """The package a plugin's manifest module stands for: itself when it is a package."""
    if module is None:
        return None
    return module.__name__ if hasattr(module, "__path__") else module.__package__ or None


def _translations_folder(plugin: Plugin, module: ModuleType | None) -> Path | None:
    if plugin.translations is not None:
        return Path(plugin.translations)
    where = getattr(module, "__file__", None)
    if where is None:
        return None
    folder = Path(where).parent / "translations"
    return folder if folder.is_dir() else None


def get_registry(app: Flask | None = None) -> PluginRegistry:
    return (app or current_app).extensions[EXTENSION_KEY]


def _plugin_gate(registry: PluginRegistry):
    """The ``before_request`` hook of the plugins' routes, in this order: a disabled
    plugin's routes answer 404, as if they did not exist; then plugin views need a
    signed-in member of the URL's tenant unless marked ``@public`` or opened to the
    network scope (see ``access``). One hook that finds the request's plugin once
    (per blueprint, kept) instead of two that each walked ``request.blueprints``."""
    # Imported once here, not per request: gating imports this module.
    from kringwerk.pluginhost.gating import is_enabled

    def refuse_disabled_plugin_and_require_access():
        key = registry.plugin_of_request()
        if key is None:
            return None
        # g.tenant is what current_tenant() answers in a request (routing sets it).
        tenant = g.get("tenant")
        if tenant is None or not is_enabled(tenant, key):
            abort(404)
        return require_access()

    return refuse_disabled_plugin_and_require_access
