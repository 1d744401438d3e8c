"""The member directory and the admin pages for companies, parks, circles and themes."""

from __future__ import annotations

from flask import Blueprint, render_template

from kringwerk.accounts.permissions import require_member

bp = Blueprint("members", __name__, url_prefix="/<tenant>/members")


@bp.get("/")
@require_member()
def directory():
    return render_template("members/directory.html")
