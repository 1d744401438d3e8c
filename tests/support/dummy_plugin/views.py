"""Routes of the dummy plugin."""

from flask import Blueprint, abort

from kringwerk.accounts.permissions import require_member
from kringwerk.extensions import db
from tests.support.dummy_plugin.models import DummyNote

bp = Blueprint("dummy", __name__, template_folder="templates")


@bp.get("/")
@require_member()
def index():
    return "dummy index"


@bp.get("/notes/<int:dummy_note_id>")
@require_member()
def note(dummy_note_id: int):
    note = db.session.get(DummyNote, dummy_note_id) or abort(404)
    return note.text


@bp.post("/notes/<int:dummy_note_id>/delete")
@require_member()
def delete_note(dummy_note_id: int):
    note = db.session.get(DummyNote, dummy_note_id) or abort(404)
    db.session.delete(note)
    db.session.commit()
    return "deleted"
