"""Events plugin (key ``events``): a joint annual calendar of theme meetings, with sign-up, capacity, waiting list and calendar feeds, open to members of every association in a region."""

from pathlib import Path

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import Plugin
from plugins.events import hooks
from plugins.events.labels import AUDIT_DETAIL_LABELS, AUDIT_LABELS
from plugins.events.views import bp

plugin = Plugin(
    key="events",
    name=_l("Events"),
    description=_l(
        "A joint annual calendar of theme meetings, with sign-up, capacity, waiting list and calendar feeds, open to members of every association in a region."
    ),
    blueprint=bp,
    hooks=hooks,
    models="plugins.events.models",
    migrations=str(Path(__file__).parent / "migrations" / "versions"),
    audit_labels=AUDIT_LABELS,
    audit_detail_labels=AUDIT_DETAIL_LABELS,
)
