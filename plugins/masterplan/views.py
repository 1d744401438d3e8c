"""Pages of the masterplans plugin, mounted at ``/<tenant>/masterplan/``."""

from flask import Blueprint, render_template

from kringwerk.plugin_api import require_member

bp = Blueprint("masterplan", __name__, template_folder="templates")


@bp.get("/")
@require_member()
def index():
    return render_template("masterplan/index.html")
