"""A plugin that exists only in the tests: it proves the registry, the
per-tenant gating of routes, hooks and jobs, and gives the isolation walk a
plugin route with an object id."""

from kringwerk.pluginhost import Plugin
from tests.support.dummy_plugin import hooks
from tests.support.dummy_plugin.views import bp

plugin = Plugin(
    key="dummy",
    name="Dummy",
    description="Test-only plugin",
    blueprint=bp,
    hooks=hooks,
    default_settings={"greeting": "hallo", "threshold": 3},
    models="tests.support.dummy_plugin.models",
)
