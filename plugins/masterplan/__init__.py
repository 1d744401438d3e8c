"""Masterplans plugin (key ``masterplan``): per circle or park: wishes and challenges per theme, priorities, project proposals and measured goals in a living, versioned document."""

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import Plugin
from plugins.masterplan import hooks
from plugins.masterplan.views import bp

plugin = Plugin(
    key="masterplan",
    name=_l("Masterplans"),
    description=_l(
        "Per circle or park: wishes and challenges per theme, priorities, project proposals and measured goals in a living, versioned document."
    ),
    blueprint=bp,
    hooks=hooks,
)
