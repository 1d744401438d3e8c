"""Building polls: the list of polls, creating, editing, copying and deleting
them, and the htmx question editor with its preview."""

from flask import render_template

from kringwerk.accounts.permissions import require_member
from plugins.polls.views import bp


@bp.get("/")
@require_member()
def index():
    return render_template("polls/index.html")
