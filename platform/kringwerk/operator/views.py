"""The operator console."""

from __future__ import annotations

from flask import Blueprint, render_template

from kringwerk.accounts.permissions import require_operator

bp = Blueprint("operator", __name__, url_prefix="/operator")


@bp.get("/")
@require_operator
def home():
    return render_template("operator/home.html")
