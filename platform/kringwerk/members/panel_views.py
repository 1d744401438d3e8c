"""Pages of the entrepreneurs' panel: the panel page under the members area, adding
people in bulk (a selection or everyone a directory filter finds, or a CSV file),
removing someone after a confirmation, and the public page behind the leave link
in e-mails.

Every member sees and changes their own status (for the contact persons linked to
their account); managers see the list and add and remove people. The leave link
needs no account: opening it only asks, the POST leaves (mail scanners open links).
Views stay thin: the rules live in ``members.panel``.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kringwerk.accounts.permissions import MANAGERS, has_role, require_member
from kringwerk.extensions import db
from kringwerk.members import csv_io, panel
from kringwerk.members.forms import ImportForm
from kringwerk.members.models import ContactPerson
from kringwerk.members.views import directory_form, show_errors
from kringwerk.web.pagination import paginate

bp = Blueprint("panel", __name__)


def _contact_or_404(contact_id: int) -> ContactPerson:
    # A scoped query: another tenant's id finds nothing, like an unknown one.
    return db.session.scalar(select(ContactPerson).where(ContactPerson.id == contact_id)) or abort(404)


def _own_contacts() -> list[ContactPerson]:
    return list(
        db.session.scalars(
            select(ContactPerson)
            .where(ContactPerson.user_id == current_user.id)
            .options(selectinload(ContactPerson.company))
            .order_by(ContactPerson.id)
        )
    )


def _summary(result: panel.BulkResult) -> str:
    added = ngettext("%(num)s person added to the panel", "%(num)s people added to the panel", result.added)
    if not result.already:
        return added + "."
    already = ngettext("%(num)s was on it already", "%(num)s were on it already", result.already)
    return _("%(added)s; %(already)s.", added=added, already=already)


# --- the panel page ------------------------------------------------------------------------------


@bp.route("/<tenant>/members/panel/", methods=["GET", "POST"], endpoint="index")
@require_member()
def index():
    if request.method == "POST":
        # A member changes their own status: only contact persons linked to their account.
        action = request.form.get("action")
        value = request.form.get("contact_person_id", "")
        if action not in ("join", "leave") or not value.isdigit():
            abort(400)
        contact = _contact_or_404(int(value))
        if contact.user_id != current_user.id:
            abort(404)  # someone else's contact person is not theirs to see
        if action == "join":
            if not contact.email:
                flash(_("%(name)s has no e-mail address, so cannot be asked.", name=contact.name), "error")
                return redirect(url_for("panel.index"), 303)
            panel.join(contact, actor=current_user)
            message = _("%(name)s is on the entrepreneurs' panel.", name=contact.name)
        else:
            panel.leave(contact, actor=current_user)
            message = _("%(name)s has left the entrepreneurs' panel.", name=contact.name)
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("panel.index"), 303)
    manager = has_role(*MANAGERS)
    own = _own_contacts()
    page = None
    if manager:
        page = paginate(panel.active_panel().options(selectinload(ContactPerson.company)), scalars=False)
    return render_template(
        "members/panel/index.html",
        manager=manager,
        page=page,
        own=own,
        own_active=panel.active_contact_ids(contact.id for contact in own),
    )


# --- adding in bulk ------------------------------------------------------------------------------


@bp.route("/<tenant>/members/panel/add", methods=["GET", "POST"], endpoint="add")
@require_member(*MANAGERS)
def add():
    form = directory_form()
    filters = form.filters()
    if request.method == "POST":
        try:
            if request.form.get("mode") == "filtered":
                if form.errors:
                    # A filter that could not be used would widen the choice: add nobody.
                    raise panel.PanelError(_("Some filters could not be used; nobody was added."))
                result = panel.add_filtered(filters, actor=current_user)
            elif request.form.get("mode") == "selected":
                values = request.form.getlist("contact_person_id")
                if not all(value.isdigit() for value in values):
                    abort(400)
                result = panel.add_selected((int(value) for value in values), actor=current_user)
            else:
                abort(400)
        except panel.PanelError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            status = 422
        else:
            db.session.commit()
            flash(_summary(result), "success")
            return redirect(url_for("panel.index"), 303)
    else:
        status = 400 if form.errors else 200
    page = paginate(panel.candidates(filters).options(selectinload(ContactPerson.company)))
    return render_template(
        "members/panel/add.html",
        form=form,
        filters=filters,
        arguments=form.arguments(),
        page=page,
    ), status


@bp.route("/<tenant>/members/panel/upload", methods=["GET", "POST"], endpoint="upload")
@require_member(*MANAGERS)
def upload():
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        file = form.file.data
        data = file.stream.read(csv_io.MAX_BYTES + 1)  # one byte past the limit tells "too large"
        try:
            result = panel.add_from_csv(data, actor=current_user, filename=file.filename)
        except csv_io.ImportFileError as error:
            show_errors(form, error)
        else:
            if result.ok:
                db.session.commit()
                flash(_summary(result), "success")
                return redirect(url_for("panel.index"), 303)
            db.session.rollback()
    status = 422 if form.errors or (result and not result.ok) else 200
    return render_template(
        "members/panel/upload.html",
        form=form,
        result=result,
        shown_errors=result.errors[:200] if result else [],
        max_rows=csv_io.MAX_ROWS,
    ), status


# --- removing ------------------------------------------------------------------------------------


@bp.route(
    "/<tenant>/members/panel/<int:contact_person_id>/remove", methods=["GET", "POST"], endpoint="remove"
)
@require_member(*MANAGERS)
def remove(contact_person_id: int):
    contact = _contact_or_404(contact_person_id)
    if not panel.is_active(contact):
        abort(404)
    if request.method == "POST":
        panel.leave(contact, actor=current_user)
        db.session.commit()
        flash(_("%(name)s has left the entrepreneurs' panel.", name=contact.name), "success")
        return redirect(url_for("panel.index"), 303)
    return render_template("members/panel/remove.html", contact=contact)


# --- the leave link from e-mails (public) -------------------------------------------------------


def _link_page(template: str, status: int = 200, **context) -> Response:
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    # The token is personal: keep it out of caches and Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/<tenant>/panel/leave/<token>", methods=["GET", "POST"], endpoint="leave")
def leave(token: str):
    """GET asks (and changes nothing: mail scanners open links); POST leaves."""
    if request.method == "POST":
        contact = panel.leave_by_link(token)
        if contact is None:
            return _link_page("members/panel/leave_invalid.html", 404)
        db.session.commit()
        return _link_page("members/panel/left.html", contact=contact)
    contact = panel.contact_for_opt_out(token)
    if contact is None:
        return _link_page("members/panel/leave_invalid.html", 404)
    return _link_page(
        "members/panel/leave.html", contact=contact, token=token, on_panel=panel.is_active(contact)
    )
