"""Polls plugin (key ``polls``): polls of entrepreneurs on a business park or in a standing panel, by personal link, showing the themes where several companies want to cooperate."""

from pathlib import Path

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import Plugin
from plugins.polls import hooks
from plugins.polls.labels import AUDIT_DETAIL_LABELS, AUDIT_LABELS
from plugins.polls.views import bp

plugin = Plugin(
    key="polls",
    name=_l("Polls"),
    description=_l(
        "Polls of entrepreneurs on a business park or in a standing panel, by personal link, showing the themes where several companies want to cooperate."
    ),
    blueprint=bp,
    hooks=hooks,
    models="plugins.polls.models",
    migrations=str(Path(__file__).parent / "migrations" / "versions"),
    # How many companies must want to cooperate on a theme before it counts as a match.
    default_settings={"match_threshold": 3},
    audit_labels=AUDIT_LABELS,
    audit_detail_labels=AUDIT_DETAIL_LABELS,
)
