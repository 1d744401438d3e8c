"""Finding plugins: bundled ones from config, third-party ones from entry points."""

from __future__ import annotations

import importlib
import sys
import textwrap

import pytest

from kringwerk import create_app
from kringwerk.pluginhost import Plugin, get_registry
from kringwerk.pluginhost.registry import PluginLoadError, PluginRegistry
from tests.conftest import base_config


def test_bundled_and_test_plugins_are_registered(app):
    keys = get_registry(app).plugin_keys()
    assert {"polls", "events", "mkb-toets", "masterplan", "dummy"} <= set(keys)


def test_plugins_mount_under_the_tenant_and_their_key(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    for key in ("polls", "events", "mkb-toets", "masterplan", "dummy"):
        assert f"/<tenant>/{key}/" in rules


def test_third_party_plugin_found_through_entry_point(tmp_path, monkeypatch, database_url):
    (tmp_path / "kw_thirdparty_plugin.py").write_text(
        textwrap.dedent(
            """
            from kringwerk.pluginhost import Plugin
            plugin = Plugin(key="thirdparty", name="Third party")
            """
        )
    )
    dist = tmp_path / "kw_thirdparty_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: kw-thirdparty-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[kringwerk.plugins]\nthirdparty = kw_thirdparty_plugin:plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    try:
        app = create_app(base_config(tmp_path, database_url), environ={})
        assert get_registry(app).get("thirdparty").name == "Third party"
    finally:
        sys.modules.pop("kw_thirdparty_plugin", None)


def test_two_plugins_with_one_key_are_refused():
    registry = PluginRegistry()
    registry.add(Plugin(key="twice", name="One"))
    with pytest.raises(PluginLoadError, match="twice"):
        registry.add(Plugin(key="twice", name="Two"))


def test_a_module_without_manifest_is_refused():
    registry = PluginRegistry()
    with pytest.raises(PluginLoadError, match="manifest"):
        registry.load(["kringwerk.pluginhost.hookspecs"])


def test_missing_requirement_is_refused():
    registry = PluginRegistry()
    with pytest.raises(PluginLoadError, match="requires"):
        registry.load(["tests.support.dependent_plugin"])


@pytest.mark.parametrize("key", ["Polls", "a", "with space", "x" * 41, "-lead"])
def test_plugin_keys_are_url_safe(key):
    with pytest.raises(ValueError):
        Plugin(key=key, name="Bad")
