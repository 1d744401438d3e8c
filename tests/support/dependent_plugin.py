"""A test-only plugin that requires the dummy plugin, for the `requires` rules."""

from kringwerk.pluginhost import Plugin

plugin = Plugin(key="dependent", name="Dependent", requires=("dummy",))
