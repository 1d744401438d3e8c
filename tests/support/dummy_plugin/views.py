"""Routes of the dummy plugin."""

from flask import Blueprint, abort, request

from kringwerk.accounts.permissions import require_member
from kringwerk.extensions import db
from kringwerk.pluginhost.access import public
from tests.support.dummy_plugin.models import DummyNote

bp = Blueprint("dummy", __name__, template_folder="templates")

# What the follow-up endpoint received, for the polls' cooperation-match tests.
followups_received: list[dict] = []


@bp.get("/")
@require_member()
def index():
    return "dummy index"


@bp.get("/public")
@public
def public_page():
    """Open without signing in (listed through the ``public_links`` hook)."""
    return "dummy public page"


@bp.route("/unguarded", methods=["GET", "POST"])
def unguarded():
    """A view that forgot its ``require_member``: the host still asks for a member of the tenant."""
    return "dummy unguarded page"


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


@bp.post("/followups/<kind>")
@require_member()
def followup(kind: str):
    """Receives a follow-up started from a cooperation match (FollowUpOffer's fields)."""
    followups_received.append(
        {
            "kind": kind,
            "theme_id": request.form.get("theme_id"),
            "company_ids": request.form.getlist("company_ids"),
            "source": request.form.get("source"),
            "source_url": request.form.get("source_url"),
        }
    )
    return "follow-up started"
