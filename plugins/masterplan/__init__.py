"""Masterplans plugin (key ``masterplan``): living plans per circle, business park or the whole association, with wishes and challenges per theme, priority rounds, projects and measured goals."""

from pathlib import Path

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import Plugin
from plugins.masterplan import hooks
from plugins.masterplan.labels import AUDIT_DETAIL_LABELS, AUDIT_LABELS
from plugins.masterplan.views import bp

plugin = Plugin(
    key="masterplan",
    name=_l("Masterplans"),
    description=_l(
        "Living plans per circle, business park or the whole association: wishes and challenges per theme, priority rounds, projects with milestones and measured goals, with the history of every change."
    ),
    blueprint=bp,
    hooks=hooks,
    models="plugins.masterplan.models",
    migrations=str(Path(__file__).parent / "migrations" / "versions"),
    audit_labels=AUDIT_LABELS,
    audit_detail_labels=AUDIT_DETAIL_LABELS,
)
