"""MKB-toets plugin (key ``mkb-toets``): draft policy put before an SME panel early; the association gives a consolidated advice and the municipality answers every point."""

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import Plugin
from plugins.mkb_toets import hooks
from plugins.mkb_toets.views import bp

plugin = Plugin(
    key="mkb-toets",
    name=_l("MKB-toets"),
    description=_l(
        "Draft policy put before an SME panel early; the association gives a consolidated advice and the municipality answers every point."
    ),
    blueprint=bp,
    hooks=hooks,
)
