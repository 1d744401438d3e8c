"""Pages of the polls plugin, mounted at ``/<tenant>/polls/``."""

from flask import Blueprint, render_template

from kringwerk.accounts.permissions import require_member

bp = Blueprint("polls", __name__, template_folder="templates")


@bp.get("/")
@require_member()
def index():
    return render_template("polls/index.html")
