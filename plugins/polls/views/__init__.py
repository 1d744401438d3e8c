"""Pages of the polls plugin, mounted at ``/<tenant>/polls/``.

One blueprint, its routes grouped by audience in the modules below:
``builder`` (polls and their questions), ``audience`` (invitations, reminders,
the panel), ``respond`` (answering by personal link, no account needed) and
``results`` (results, matches, exports). Endpoints carry their area's prefix
where a plain name could clash.
"""

from flask import Blueprint

bp = Blueprint(
    "polls", __name__, template_folder="../templates", static_folder="../static", static_url_path="/static"
)

# The route modules register on bp when imported.
from plugins.polls.views import audience, builder, respond, results  # noqa: E402, F401
