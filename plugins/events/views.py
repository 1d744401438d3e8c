"""Pages of the events plugin, mounted at ``/<tenant>/events/``."""

from flask import Blueprint, render_template

from kringwerk.plugin_api import require_member

bp = Blueprint("events", __name__, template_folder="templates")


@bp.get("/")
@require_member()
def index():
    return render_template("events/index.html")
