"""The home's "Answer" button for a signed-in person invited to a poll: a fresh
personal link, then the ordinary answer page. A POST, because it issues a token."""

from __future__ import annotations

from flask import abort, redirect, url_for
from flask_login import current_user

from kringwerk.plugin_api import db, issue_token, require_member
from plugins.polls.models import ANSWER_LINK
from plugins.polls.views import bp
from plugins.polls.waiting import waiting_invitation


@bp.post("/<int:poll_id>/my-answer")
@require_member()
def my_answer(poll_id: int):
    # Only an invitation still waiting for this person: others' polls, answered,
    # closed and other tenants' polls all find nothing (404).
    invitation = waiting_invitation(current_user._get_current_object(), poll_id) or abort(404)
    # Like every mailed link, this one lives until the poll closes.
    raw = issue_token(ANSWER_LINK, invitation.id)
    db.session.commit()
    return redirect(url_for("polls.answer", poll_id=poll_id, token=raw), 303)
