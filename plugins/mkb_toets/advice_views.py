"""Pages of the advice and the answer: the board writes the numbered points while the
advice is being written; the municipality answers each point once it is sent; both
download the sent letter as a PDF. The published dossier has a public page (no
sign-in): the note, the draft, the advice and the point-by-point answer."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from kringwerk.plugin_api import Role, current_membership, db, is_htmx, public, require_member, send_document
from plugins.mkb_toets import advice
from plugins.mkb_toets.blueprint import bp
from plugins.mkb_toets.models import AdvicePoint, Answer, Dossier, Phase
from plugins.mkb_toets.summary import section_figures
from plugins.mkb_toets.views import STAFF, _dossier_or_404, _role


def _section_arg() -> int | None:
    value = request.form.get("section_id", "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.get("/<int:dossier_id>/advice")
@require_member()
def advice_page(dossier_id: int):
    item = _dossier_or_404(dossier_id, *STAFF)
    role = _role()
    if role == Role.MUNICIPALITY and item.phase.position < Phase.ADVICE_SENT.position:
        abort(404)  # the municipality reads the advice once it is sent
    return render_template(
        "mkb_toets/advice.html",
        dossier=item,
        points=advice.points_of(item),
        figures={row.section.id: row for row in section_figures(item, names="municipality")},
        may_write=role == Role.ADMIN and item.phase == Phase.ADVICE_WRITING,
        may_answer=role == Role.MUNICIPALITY and item.phase == Phase.ADVICE_SENT,
        sent=advice.sent_version(item),
        answers=list(Answer),
        may_see_versions=role == Role.ADMIN or item.phase.position >= Phase.ADVICE_SENT.position,
    )


def _back(dossier_id: int):
    return redirect(url_for("mkb_toets.advice_page", dossier_id=dossier_id), 303)


@bp.post("/<int:dossier_id>/advice/points")
@require_member()
def add_advice_point(dossier_id: int):
    item = _dossier_or_404(dossier_id, Role.ADMIN)
    try:
        advice.add_point(
            item, request.form.get("text", ""), section_id=_section_arg(), actor=current_membership().user
        )
    except advice.AdviceError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
    return _back(dossier_id)


@bp.post("/<int:dossier_id>/advice/points/<int:advice_point_id>")
@require_member()
def edit_advice_point(dossier_id: int, advice_point_id: int):
    """Save one point; with htmx the point's section comes back in place (422 with the message)."""
    item = _dossier_or_404(dossier_id, Role.ADMIN)
    error = None
    try:
        advice.edit_point(
            item,
            advice_point_id,
            request.form.get("text", ""),
            section_id=_section_arg(),
            actor=current_membership().user,
        )
    except advice.AdviceError as refused:
        db.session.rollback()
        error = str(refused)
    else:
        db.session.commit()
    if not is_htmx():
        if error:
            flash(error, "error")
        return _back(dossier_id)
    point = db.session.scalar(
        select(AdvicePoint).where(AdvicePoint.id == advice_point_id, AdvicePoint.dossier_id == item.id)
    )
    if point is None:
        abort(404)
    return render_template(
        "mkb_toets/_point.html",
        dossier=item,
        point=point,
        figures={row.section.id: row for row in section_figures(item, names="municipality")},
        may_write=item.phase == Phase.ADVICE_WRITING,
        may_answer=False,
        answers=list(Answer),
        error=error,
        saved=error is None,
    ), (422 if error else 200)


@bp.post("/<int:dossier_id>/advice/points/<int:advice_point_id>/answer")
@require_member()
def answer_advice_point(dossier_id: int, advice_point_id: int):
    item = _dossier_or_404(dossier_id, Role.MUNICIPALITY)
    try:
        advice.answer_point(
            item,
            advice_point_id,
            request.form.get("answer", ""),
            request.form.get("explanation"),
            actor=current_membership().user,
        )
    except advice.AdviceError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
    return _back(dossier_id)


@bp.get("/<int:dossier_id>/advice.pdf")
@require_member()
def advice_letter(dossier_id: int):
    item = _dossier_or_404(dossier_id, *STAFF)
    try:
        data = advice.letter_pdf(item)
    except advice.AdviceError:
        abort(404)
    return send_document(data, f"advies-{item.id}.pdf", "pdf", inline=True)


@bp.get("/published/<int:dossier_id>")
@public  # a published dossier is for everyone: visitors, entrepreneurs, the press
def published(dossier_id: int):
    item = db.session.scalar(
        select(Dossier).where(Dossier.id == dossier_id, Dossier.phase == Phase.PUBLISHED)
    )
    if item is None:
        abort(404)
    return render_template(
        "mkb_toets/published.html",
        dossier=item,
        points=advice.points_of(item),
        figures=section_figures(item, names="municipality") if item.released_at else [],
    )


@bp.get("/scoreboard")
@require_member()
def scoreboard_page():
    from plugins.mkb_toets.scoreboard import scoreboard

    return render_template("mkb_toets/scoreboard.html", years=scoreboard(), answers=list(Answer))
