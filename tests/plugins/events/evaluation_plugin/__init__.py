"""A test-only plugin standing in for the polls plugin's future answer to
``attendance_followups``: it offers "send an evaluation poll" and records what the
button POSTs, so the events tests see the hook and the form work end to end."""

from flask import Blueprint, request

from kringwerk.plugin_api import FollowUpOffer, Plugin, hookimpl

bp = Blueprint("evaluation", __name__)
RECEIVED: list[dict] = []


@bp.post("/from-attendance")
def from_attendance():
    RECEIVED.append({key: request.form.getlist(key) for key in request.form if key != "csrf_token"})
    return "ok"


class Hooks:
    @hookimpl
    def attendance_followups(self, tenant, user, attendance):
        return [FollowUpOffer("evaluation", "Send an evaluation poll", "evaluation.from_attendance")]


plugin = Plugin(key="evaluation", name="Evaluation (test)", blueprint=bp, hooks=Hooks())
