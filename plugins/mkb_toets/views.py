"""Pages of the mkb-toets plugin, mounted at ``/<tenant>/mkb-toets/``."""

from flask import Blueprint, render_template

from kringwerk.plugin_api import require_member

bp = Blueprint("mkb_toets", __name__, template_folder="templates")


@bp.get("/")
@require_member()
def index():
    return render_template("mkb_toets/index.html")
