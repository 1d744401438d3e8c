"""Pages of the mkb-toets plugin for members of the tenant, mounted at ``/<tenant>/mkb-toets/``:
the dossier list and page with its timeline, opening a dossier, the phase steps,
composing the panel, and the panel's feedback per section. Drafts are for the
municipality and the board; an unknown dossier, another tenant's and a draft seen
by someone else all answer the same 404. The panel's own page lives in ``respond``."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from kringwerk.plugin_api import (
    Role,
    Theme,
    current_membership,
    db,
    require_member,
    store_upload,
)
from plugins.mkb_toets import dossier_page, dossiers, kept_pages, mailing, panel, phases, summary
from plugins.mkb_toets.blueprint import bp
from plugins.mkb_toets.forms import LOCAL, DossierForm, end_of_day
from plugins.mkb_toets.models import BUSINESS_KINDS, Phase, Verdict

STAFF = (Role.ADMIN, Role.MUNICIPALITY)


def _role() -> Role | None:
    """The signed-in member's role here (None for an operator looking in: no drafts, no steps)."""
    membership = current_membership()
    return membership.role if membership is not None else None


def _dossier_or_404(dossier_id: int, *roles: Role):
    """The dossier, or 404 when it is not there for this member; then 403 without one of ``roles``
    (in that order, so another tenant's ids answer 404 whatever the visitor's role)."""
    dossier = dossiers.dossier_for(dossier_id, _role())
    if dossier is None:
        abort(404)
    if roles and _role() not in roles:
        abort(403)
    return dossier


@bp.get("/")
@require_member()
def index():
    return render_template("mkb_toets/index.html", content=kept_pages.dossier_list(_role()))


@bp.route("/new", methods=["GET", "POST"])
@require_member(*STAFF)
def new():
    form = DossierForm()
    form.themes.choices = [
        (theme.id, theme.name)
        for theme in db.session.scalars(select(Theme).where(Theme.active.is_(True)).order_by(Theme.position))
    ]
    if form.validate_on_submit():
        note = dossiers.Note(
            title=form.title.data,
            policy_area=form.policy_area.data,
            problem=form.problem.data,
            proposal=form.proposal.data,
            affected=form.affected.data,
            expected_effect=form.expected_effect.data,
            contact_name=form.contact_name.data,
            contact_email=form.contact_email.data,
            consultation_closes_at=end_of_day(form.closes_on.data),
            answer_due_at=end_of_day(form.answer_due_on.data),
            theme_ids=tuple(form.themes.data or ()),
        )
        try:
            upload = form.attachment.data
            stored = store_upload(upload, allowed=("pdf", "docx")) if upload and upload.filename else None
            dossier = dossiers.open_dossier(
                note,
                actor=current_membership().user,
                sections_text=form.sections.data or "",
                attachment=stored,
            )
        except (dossiers.DossierError, ValueError) as error:
            db.session.rollback()
            form.title.errors = [*form.title.errors, str(error)]
        else:
            db.session.commit()
            flash(_("The dossier is opened as a draft."), "success")
            return redirect(url_for("mkb_toets.dossier", dossier_id=dossier.id), 303)
    status = 422 if form.errors else 200
    return render_template("mkb_toets/new.html", form=form, dossier=None), status


@bp.route("/<int:dossier_id>/edit", methods=["GET", "POST"])
@require_member()
def edit(dossier_id: int):
    """Change the note and the sections while the dossier is a draft."""
    item = _dossier_or_404(dossier_id, *STAFF)
    if item.phase != Phase.DRAFT:
        flash(_("Only a draft can be changed; the panel is judging this version."), "error")
        return redirect(url_for("mkb_toets.dossier", dossier_id=dossier_id), 303)
    form = DossierForm()
    form.themes.choices = [
        (theme.id, theme.name)
        for theme in db.session.scalars(select(Theme).where(Theme.active.is_(True)).order_by(Theme.position))
    ]
    if not form.is_submitted():
        for name in (
            "title",
            "policy_area",
            "problem",
            "proposal",
            "affected",
            "expected_effect",
            "contact_name",
            "contact_email",
        ):
            getattr(form, name).data = getattr(item, name)
        form.themes.data = [theme.id for theme in item.themes]
        form.sections.data = "\n\n".join(
            f"{section.heading}\n{section.body}".strip() for section in item.sections
        )
        form.closes_on.data = (
            item.consultation_closes_at.astimezone(LOCAL).date() if item.consultation_closes_at else None
        )
        form.answer_due_on.data = item.answer_due_at.astimezone(LOCAL).date() if item.answer_due_at else None
    elif form.validate_on_submit():
        note = dossiers.Note(
            title=form.title.data,
            policy_area=form.policy_area.data,
            problem=form.problem.data,
            proposal=form.proposal.data,
            affected=form.affected.data,
            expected_effect=form.expected_effect.data,
            contact_name=form.contact_name.data,
            contact_email=form.contact_email.data,
            consultation_closes_at=end_of_day(form.closes_on.data),
            answer_due_at=end_of_day(form.answer_due_on.data),
            theme_ids=tuple(form.themes.data or ()),
        )
        try:
            dossiers.update_note(item, note, actor=current_membership().user)
            dossiers.replace_sections(item, dossiers.split_sections(form.sections.data or ""))
        except dossiers.DossierError as error:
            db.session.rollback()
            form.title.errors = [*form.title.errors, str(error)]
        else:
            db.session.commit()
            flash(_("The draft is saved."), "success")
            return redirect(url_for("mkb_toets.dossier", dossier_id=dossier_id), 303)
    status = 422 if form.errors else 200
    return render_template("mkb_toets/new.html", form=form, dossier=item), status


@bp.get("/<int:dossier_id>")
@require_member()
def dossier(dossier_id: int):
    shown = kept_pages.DossierContent(dossier_id, _role())
    title = shown.title()
    if title is None:
        abort(404)
    return render_template("mkb_toets/dossier.html", title=title, content=shown.html())


@bp.route("/<int:dossier_id>/advance", methods=["GET", "POST"])
@require_member()
def advance(dossier_id: int):
    """GET: what the next step does and who is told; POST: take it."""
    item = _dossier_or_404(dossier_id, *STAFF)
    if request.method == "GET":
        target = phases.next_step(item)
        if target is None or not phases.may_advance(item, _role()):
            abort(404)
        return render_template(
            "mkb_toets/advance.html",
            dossier=item,
            target=target,
            panel_size=len(mailing.seats_of(item)),
            Phase=Phase,
            back=url_for("mkb_toets.dossier", dossier_id=dossier_id),
        )
    try:
        target = Phase(request.form.get("to", ""))
    except ValueError:
        abort(400)
    try:
        phases.advance(item, target, actor=current_membership().user, role=_role())
    except phases.PhaseError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The dossier is now in the phase “%(phase)s”.", phase=target.label), "success")
    return redirect(url_for("mkb_toets.dossier", dossier_id=dossier_id), 303)


def _optional_id(value) -> int | None:
    value = str(value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.post("/<int:dossier_id>/panel")
@require_member()
def compose(dossier_id: int):
    item = _dossier_or_404(dossier_id, Role.ADMIN)
    actor = current_membership().user
    source = request.form.get("source")
    try:
        if source == "standing":
            added = panel.add_standing_panel(item, actor=actor)
        elif source == "companies":
            chosen = [_optional_id(value) for value in request.form.getlist("company_id")]
            added = panel.add_companies(item, [value for value in chosen if value is not None], actor=actor)
        elif source == "filter":
            form = dossier_page.filter_form()
            if not form.validate_on_submit():
                flash(_("Check the filter: the numbers of staff must be whole numbers."), "error")
                return redirect(url_for("mkb_toets.dossier", dossier_id=dossier_id), 303)
            added = panel.add_filtered(
                item,
                panel.CompanyFilter(
                    sector=form.sector.data or None,
                    business_park_id=_optional_id(form.business_park_id.data),
                    circle_id=_optional_id(form.circle_id.data),
                    min_employees=form.min_employees.data,
                    max_employees=form.max_employees.data,
                ),
                actor=actor,
            )
        else:
            abort(400)
    except panel.PanelError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        if added:
            flash(_("%(count)d people added to the panel.", count=len(added)), "success")
        else:
            flash(
                _(
                    "Nobody new was added: everyone found is on this panel already or has no "
                    "e-mail address, or nobody was found."
                ),
                "info",
            )
    return redirect(url_for("mkb_toets.dossier", dossier_id=dossier_id), 303)


@bp.post("/<int:dossier_id>/release")
@require_member()
def release(dossier_id: int):
    item = _dossier_or_404(dossier_id, Role.ADMIN)
    try:
        summary.release(item, actor=current_membership().user)
    except summary.ReleaseError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The municipality now sees the panel's feedback, aggregated."), "success")
    return redirect(url_for("mkb_toets.dossier", dossier_id=dossier_id), 303)


@bp.get("/<int:dossier_id>/feedback")
@require_member()
def figures(dossier_id: int):
    """The panel's feedback per section: the board always; the municipality once released."""
    item = _dossier_or_404(dossier_id, *STAFF)
    role = _role()
    if role == Role.MUNICIPALITY and item.released_at is None:
        abort(404)
    names = "board" if role == Role.ADMIN else "municipality"
    answered, seats = summary.response_count(item)
    return render_template(
        "mkb_toets/figures.html",
        dossier=item,
        rows=summary.section_figures(item, names=names),
        answered=answered,
        seats=seats,
        verdicts=list(Verdict),
        kinds=BUSINESS_KINDS,
        overall=summary.overall_remarks(item, names=names),
    )
