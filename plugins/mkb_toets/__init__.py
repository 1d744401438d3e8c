"""MKB-toets plugin (key ``mkb-toets``), in preparation: a placeholder page; putting draft policy before an SME panel comes with its own issue."""

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import Plugin
from plugins.mkb_toets import hooks
from plugins.mkb_toets.views import bp

plugin = Plugin(
    key="mkb-toets",
    name=_l("MKB-toets"),
    description=_l(
        "In preparation: putting draft policy before an SME panel, with the association's advice and the municipality's answer. Nothing can be submitted here yet."
    ),
    blueprint=bp,
    hooks=hooks,
)
