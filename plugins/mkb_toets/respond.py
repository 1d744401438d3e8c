"""The panel member's feedback page by personal link: no account needed; each
section's form and the overall view are saved as they type (htmx), or with a
button without JavaScript. The tenant comes from the URL and the seat from the
token (its hash), so an unknown link and another tenant's link find nothing and
answer the same 404. A member sees only their own feedback. The link is a secret:
pages are not cached and send no referrer."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request, url_for
from flask_babel import format_time

from kringwerk.plugin_api import db, is_htmx, public, utcnow
from plugins.mkb_toets import feedback
from plugins.mkb_toets.blueprint import bp
from plugins.mkb_toets.models import BUSINESS_KINDS, Verdict


def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _page(template: str, status: int = 200, **context):
    return _private(make_response(render_template(template, **context), status))


def _status(kind: str, status: int, message: str | None = None):
    return _page(
        "mkb_toets/respond/_status.html",
        status,
        kind=kind,
        message=message,
        time=format_time(utcnow(), "HH:mm"),
    )


@bp.get("/feedback/<token>", endpoint="feedback")
@public  # the personal link is the key; panel members have no account
def feedback_page(token: str):
    seat = feedback.seat_for_link(token)
    if seat is None:
        return _page("mkb_toets/respond/invalid.html", 404)
    return _page(
        "mkb_toets/respond/feedback.html",
        seat=seat,
        dossier=seat.dossier,
        own=feedback.own_feedback(seat),
        open=feedback.is_open(seat),
        token=token,
        verdicts=list(Verdict),
        kinds=BUSINESS_KINDS,
        saved=request.args.get("saved") == "1",
        error=None,
    )


def _saved(token: str, anchor: str):
    if is_htmx():
        return _status("saved", 200)
    return redirect(url_for("mkb_toets.feedback", token=token, saved=1, _anchor=anchor), 303)


def _refused(seat, token: str, error: feedback.FeedbackError):
    db.session.rollback()
    if is_htmx():
        return _status("error", 422, str(error))
    return _page(
        "mkb_toets/respond/feedback.html",
        422,
        seat=seat,
        dossier=seat.dossier,
        own=feedback.own_feedback(seat),
        open=feedback.is_open(seat),
        token=token,
        verdicts=list(Verdict),
        kinds=BUSINESS_KINDS,
        saved=False,
        error=str(error),
    )


@bp.post("/feedback/<token>/section/<int:dossier_section_id>")
@public
def save_section(token: str, dossier_section_id: int):
    seat = feedback.seat_for_link(token)
    if seat is None:
        return _page("mkb_toets/respond/invalid.html", 404)
    try:
        feedback.save_section(seat, dossier_section_id, request.form)
    except feedback.FeedbackError as error:
        return _refused(seat, token, error)
    db.session.commit()
    return _saved(token, f"section-{dossier_section_id}")


@bp.post("/feedback/<token>/overall")
@public
def save_overall(token: str):
    seat = feedback.seat_for_link(token)
    if seat is None:
        return _page("mkb_toets/respond/invalid.html", 404)
    try:
        feedback.save_overall(seat, request.form)
    except feedback.FeedbackError as error:
        return _refused(seat, token, error)
    db.session.commit()
    return _saved(token, "overall")
