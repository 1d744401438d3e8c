"""Polls plugin (key ``polls``): polls of entrepreneurs on a business park or in a standing panel, by personal link, showing the themes where several companies want to cooperate."""

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import Plugin
from plugins.polls import hooks
from plugins.polls.views import bp

plugin = Plugin(
    key="polls",
    name=_l("Polls"),
    description=_l(
        "Polls of entrepreneurs on a business park or in a standing panel, by personal link, showing the themes where several companies want to cooperate."
    ),
    blueprint=bp,
    hooks=hooks,
)
