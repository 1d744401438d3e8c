"""MKB-toets plugin (key ``mkb-toets``): the municipality puts draft policy before an SME
panel early; the association gathers the panel's feedback per section by personal link,
releases it to the municipality and follows the dossier through its phases."""

from pathlib import Path

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
    models="plugins.mkb_toets.models",
    migrations=str(Path(__file__).parent / "migrations" / "versions"),
)
