"""Pages of the polls plugin, mounted at ``/<tenant>/polls/``.

One blueprint, its routes grouped by audience in the modules below:
``builder`` (polls and their questions), ``audience`` (the audience,
invitations and reminders), ``respond`` (answering by personal link, no account needed),
``mine`` (a signed-in person's way to their own answer page) and
``results`` (results, matches, exports). Endpoints carry their area's prefix
where a plain name could clash.
"""

from flask import Blueprint, abort

from kringwerk.plugin_api import db, get_task
from plugins.polls.models import Poll

bp = Blueprint(
    "polls", __name__, template_folder="../templates", static_folder="../static", static_url_path="/static"
)


def poll_or_404(poll_id: int) -> Poll:
    """The poll of the tenant in scope; another tenant's poll finds nothing and is a 404 like a missing one."""
    return db.session.get(Poll, poll_id) or abort(404)


def polls_task(task_id: int | None, kind: str = "polls."):
    """The task ``task_id`` (a ``?task=`` parameter, say) if it is this tenant's and of ``kind`` (a prefix)."""
    if task_id is None:
        return None
    task = get_task(task_id)  # tenant-scoped: only this tenant's tasks
    return task if task is not None and task.kind.startswith(kind) else None


# The route modules register on bp when imported.
from plugins.polls.views import audience, builder, mine, respond, results  # noqa: E402, F401
