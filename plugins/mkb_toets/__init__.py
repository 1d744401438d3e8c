"""MKB-toets plugin (key ``mkb-toets``): the municipality puts draft policy before an SME
panel early; the association gathers the panel's feedback per section by personal link,
releases it to the municipality and follows the dossier through its phases."""

from pathlib import Path

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import Plugin
from plugins.mkb_toets import (  # noqa: F401 - importing them adds their routes
    advice_views,
    hooks,
    panel_views,
    respond,
    version_views,
    views,
)
from plugins.mkb_toets.blueprint import bp
from plugins.mkb_toets.labels import AUDIT_DETAIL_LABELS, AUDIT_LABELS

plugin = Plugin(
    key="mkb-toets",
    name=_l("MKB-toets"),
    description=_l(
        "Draft municipal policy before an SME panel: dossiers with a visible timeline, the panel's feedback per section by personal link, released to the municipality aggregated."
    ),
    blueprint=bp,
    hooks=hooks,
    models="plugins.mkb_toets.models",
    migrations=str(Path(__file__).parent / "migrations" / "versions"),
    audit_labels=AUDIT_LABELS,
    audit_detail_labels=AUDIT_DETAIL_LABELS,
)
