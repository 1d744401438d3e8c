"""Masterplans plugin (key ``masterplan``), in preparation: a placeholder page; the masterplans per circle or park come with their own issue."""

from pathlib import Path

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import Plugin
from plugins.masterplan import hooks
from plugins.masterplan.views import bp

plugin = Plugin(
    key="masterplan",
    name=_l("Masterplans"),
    description=_l(
        "In preparation: masterplans per circle or park (wishes and challenges per theme, priorities, projects). Nothing can be recorded here yet."
    ),
    blueprint=bp,
    hooks=hooks,
    models="plugins.masterplan.models",
    migrations=str(Path(__file__).parent / "migrations" / "versions"),
)
