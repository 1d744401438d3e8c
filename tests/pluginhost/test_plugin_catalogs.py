"""A plugin brings its own catalog: the registry finds ``translations/`` beside
the plugin's module (or the folder the manifest names) and hands it to
Flask-Babel, the core's catalog last so a plugin cannot reword the core."""

from __future__ import annotations

from pathlib import Path

import pytest

from kringwerk.config import PROJECT_ROOT
from kringwerk.extensions import babel, db
from kringwerk.pluginhost import Plugin
from kringwerk.pluginhost.registry import PluginRegistry
from kringwerk.pluginhost.services import enable_plugin
from tests.conftest import base_config

SUPPORT = PROJECT_ROOT / "tests" / "support"
CORE = PROJECT_ROOT / "platform" / "kringwerk" / "translations"


@pytest.fixture
def app_config(tmp_path, database_url):
    return base_config(
        tmp_path,
        database_url,
        EXTRA_PLUGINS=("tests.support.dummy_plugin", "tests.support.catalog_plugin"),
    )


@pytest.fixture(autouse=True)
def fresh_translations():
    """Flask-Babel caches merged catalogs per language on the one Babel object every
    test app shares; this app has a catalog the others lack."""
    vars(babel).pop("domain_instance", None)  # a cached_property: the next use builds a fresh one
    yield
    vars(babel).pop("domain_instance", None)


def test_the_registry_finds_each_plugins_catalog(app):
    folders = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    assert folders[-1] == str(CORE)
    assert str(SUPPORT / "catalog_plugin" / "translations") in folders
    assert str(PROJECT_ROOT / "plugins" / "polls" / "translations") in folders
    assert not any("dummy_plugin" in folder for folder in folders)  # it has none


def test_a_manifest_may_name_its_folder(tmp_path):
    registry = PluginRegistry()
    registry.add(Plugin(key="elsewhere", name="Elsewhere", translations=str(tmp_path)))
    registry.add(Plugin(key="without", name="Without"))
    assert registry.translation_directories() == [str(tmp_path)]


def test_a_third_party_plugin_speaks_dutch_with_its_own_catalog(client, world, login_as):
    enable_plugin(world.a.tenant, "catalog")
    world.a.tenant.default_locale = "nl"
    world.b.tenant.default_locale = "nl"
    db.session.commit()
    login_as(world.a.member)
    own, core = client.get("/kring-a/catalog/").get_data(as_text=True).split("|")
    assert own == "Een zin die alleen de catalogusplugin kent."
    assert core == "Inloggen"  # the core's Dutch, not the plugin's "Kom binnen"

    client.post("/account/logout")
    login_as(world.b.member)  # off in B
    assert client.get("/kring-b/catalog/").status_code == 404


def test_english_stays_english(client, world, login_as):
    enable_plugin(world.a.tenant, "catalog")
    db.session.commit()
    login_as(world.a.member)
    assert client.get("/kring-a/catalog/").get_data(as_text=True) == (
        "A sentence only the catalog plugin knows.|Sign in"
    )


def test_the_catalog_is_compiled_beside_its_source():
    assert Path(SUPPORT / "catalog_plugin" / "translations" / "nl" / "LC_MESSAGES" / "messages.mo").exists()
