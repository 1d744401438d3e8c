"""The board's pages on a dossier's panel — who sits on it, and taking a seat off it after
a confirmation that says what happens to their link and feedback — and replacing the
draft's file (municipality or board, while it is a draft). Names of panel members are for
the board only: the municipality sees the panel as counts until the board releases them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from kringwerk.plugin_api import (
    Company,
    ContactPerson,
    Role,
    StoredFile,
    current_membership,
    db,
    paginate,
    require_member,
    store_upload,
)
from plugins.mkb_toets import dossiers, panel
from plugins.mkb_toets.blueprint import bp
from plugins.mkb_toets.forms import DRAFT_TYPES, MAX_DRAFT_BYTES, AttachmentForm
from plugins.mkb_toets.models import Feedback, PanelSeat
from plugins.mkb_toets.views import STAFF, _dossier_or_404


@bp.get("/<int:dossier_id>/seats")
@require_member()
def seats(dossier_id: int):
    item = _dossier_or_404(dossier_id, Role.ADMIN)
    page = paginate(
        select(PanelSeat)
        .outerjoin(ContactPerson, ContactPerson.id == PanelSeat.contact_person_id)
        .where(PanelSeat.dossier_id == item.id)
        .order_by(ContactPerson.name.is_(None), ContactPerson.name, PanelSeat.id)
    )
    seat_ids = [seat.id for seat in page.items]
    contact_ids = [seat.contact_person_id for seat in page.items if seat.contact_person_id]
    people = {
        contact_id: (name, company)
        for contact_id, name, company in db.session.execute(
            select(ContactPerson.id, ContactPerson.name, Company.name)
            .join(Company, Company.id == ContactPerson.company_id)
            .where(ContactPerson.id.in_(contact_ids))
        )
    }
    given = dict(
        db.session.execute(
            select(Feedback.seat_id, func.count())
            .where(Feedback.seat_id.in_(seat_ids))
            .group_by(Feedback.seat_id)
        ).all()
    )
    return render_template(
        "mkb_toets/seats.html",
        dossier=item,
        page=page,
        people=people,
        given=given,
        removable=item.phase in panel.COMPOSABLE,
    )


@bp.route("/<int:dossier_id>/seats/<int:panel_seat_id>/remove", methods=["GET", "POST"])
@require_member()
def remove_seat(dossier_id: int, panel_seat_id: int):
    """GET: what removing the seat does; POST: remove it."""
    item = _dossier_or_404(dossier_id, Role.ADMIN)
    seat = panel.seat_of(item, panel_seat_id)
    if seat is None:
        abort(404)
    back = url_for("mkb_toets.seats", dossier_id=dossier_id)
    if item.phase not in panel.COMPOSABLE:
        flash(
            _("The panel is fixed once the consultation has closed: the advice rests on its feedback."),
            "error",
        )
        return redirect(back, 303)
    contact = db.session.get(ContactPerson, seat.contact_person_id) if seat.contact_person_id else None
    name = contact.name if contact is not None else _("An erased panel member")
    if request.method == "POST":
        try:
            panel.remove_seat(item, seat.id, actor=current_membership().user)
        except panel.PanelError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("%(name)s is no longer on the panel of this dossier.", name=name), "success")
        return redirect(back, 303)
    return render_template(
        "mkb_toets/remove_seat.html", dossier=item, name=name, removal=panel.removal(item, seat), back=back
    )


@bp.route("/<int:dossier_id>/attachment", methods=["GET", "POST"])
@require_member()
def attachment(dossier_id: int):
    """Replace the draft's file (or add one) while the dossier is a draft."""
    item = _dossier_or_404(dossier_id, *STAFF)
    back = url_for("mkb_toets.dossier", dossier_id=dossier_id)
    if item.phase not in dossiers.ATTACHMENT_REPLACEABLE:
        flash(_("The file can only be replaced while the dossier is a draft."), "error")
        return redirect(back, 303)
    current = db.session.get(StoredFile, item.attachment_id) if item.attachment_id else None
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            stored = store_upload(form.attachment.data, allowed=DRAFT_TYPES, max_bytes=MAX_DRAFT_BYTES)
            dossiers.replace_attachment(item, stored, actor=current_membership().user)
        except (dossiers.DossierError, ValueError) as error:
            db.session.rollback()
            form.attachment.errors = [*form.attachment.errors, str(error)]
        else:
            db.session.commit()
            flash(_("The draft's file is replaced."), "success")
            return redirect(back, 303)
    status = 422 if form.errors else 200
    return render_template("mkb_toets/attachment.html", dossier=item, form=form, current=current), status
