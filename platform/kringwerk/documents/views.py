"""A tenant's stored files, served to its signed-in members only."""

from __future__ import annotations

from flask import Blueprint, abort, url_for
from sqlalchemy import select

from kringwerk.accounts.permissions import require_member
from kringwerk.documents.models import StoredFile
from kringwerk.documents.responses import private_file
from kringwerk.documents.services import file_path
from kringwerk.extensions import db
from kringwerk.web.urls import external_url

bp = Blueprint("documents", __name__, url_prefix="/<tenant>")


def file_url(stored: StoredFile, *, external: bool = False) -> str:
    """The address of a stored file in its tenant; ``external=True`` gives an absolute
    one from BASE_URL that works in mail and jobs too."""
    values = {"stored_file_id": stored.id, "name": stored.original_name}
    if external:
        return external_url("documents.stored_file", **values)
    return url_for("documents.stored_file", **values)


@bp.get("/files/<int:stored_file_id>/<name>")
@require_member()
def stored_file(stored_file_id: int, name: str):
    """The file itself: a PDF or an image opens in the browser, anything else downloads.
    ``name`` only makes the address readable; the file is found by id in this tenant."""
    stored = db.session.scalar(select(StoredFile).where(StoredFile.id == stored_file_id))
    if stored is None:
        abort(404)
    path = file_path(stored)
    if not path.is_file():
        abort(404)
    return private_file(path, stored.content_type, stored.original_name, inline=stored.inline)
