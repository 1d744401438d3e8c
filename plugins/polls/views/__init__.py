"""Pages of the polls plugin, mounted at ``/<tenant>/polls/``.

One blueprint, its routes grouped by audience in the modules below:
``builder`` (polls and their questions), ``audience`` (invitations, reminders,
the panel), ``respond`` (answering by personal link, no account needed) and
``results`` (results, matches, exports). Endpoint names carry their area's
prefix where a plain name could clash.
"""

from flask import Blueprint

bp = Blueprint("polls", __name__, template_folder="../templates")

from plugins.polls.views import builder  # noqa: E402, F401  (routes register on bp)
