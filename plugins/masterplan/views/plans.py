"""The plans: the list, a plan's page (themes in priority order with wishes,
challenges, projects and goals), a theme's page, and adding wishes, challenges and
support in place with htmx."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from kringwerk.plugin_api import (
    MANAGERS,
    BusinessPark,
    Circle,
    Theme,
    db,
    page_or_block,
    remembered_html,
    render_document_pdf,
    render_docx,
    require_member,
    send_document,
)
from plugins.masterplan import exports, kept, plan_heads, plans, projects
from plugins.masterplan.changes import Invalid
from plugins.masterplan.forms import ItemForm, PlanForm, SituationForm, choices, show
from plugins.masterplan.models import Item
from plugins.masterplan.plan_page import plan_page
from plugins.masterplan.views import actor, bp, child_or_404, is_manager, plan_or_404


@bp.get("/")
@require_member()
def index():
    # The list below the shell, kept per person (a manager sees more buttons) until the
    # next write; the access check above runs on every request.
    body = remembered_html(
        ("masterplan.index", kept.person()),
        lambda: render_template(
            "masterplan/_index.html", plans=plan_heads.plan_heads(), manager=is_manager()
        ),
    )
    return render_template("masterplan/index.html", body=body)


def _plan_form(plan=None) -> PlanForm:
    form = PlanForm()  # filled by hand below: a POST never falls back to the row's typed values
    circles = db.session.scalars(select(Circle).order_by(Circle.name)).all()
    parks = db.session.scalars(select(BusinessPark).order_by(BusinessPark.name)).all()
    form.circle_id.choices = choices(circles, lambda row: row.name)
    form.business_park_id.choices = choices(parks, lambda row: row.name)
    if plan is not None and not form.is_submitted():
        for name in ("title", "ambition", "owners"):
            form[name].data = getattr(plan, name) or ""
        form.scope.data = plan.scope.value
        form.status.data = plan.status.value
        form.circle_id.data = str(plan.circle_id or "")
        form.business_park_id.data = str(plan.business_park_id or "")
        form.version.data = str(plan.version)
    return form


@bp.route("/new", methods=["GET", "POST"])
@require_member(*MANAGERS)
def new_plan():
    form = _plan_form()
    if form.validate_on_submit():
        try:
            plan = plans.create_plan(form.data, actor=actor())
        except Invalid as refused:
            db.session.rollback()
            show(form, refused.errors)
        else:
            db.session.commit()
            flash(_("The masterplan has been created."), "success")
            return redirect(url_for("masterplan.plan", masterplan_id=plan.id), 303)
    return render_template(
        "masterplan/plan_form.html", form=form, plan=None
    ), 422 if form.is_submitted() else 200


@bp.route("/<int:masterplan_id>/edit", methods=["GET", "POST"])
@require_member(*MANAGERS)
def edit_plan(masterplan_id: int):
    plan = plan_or_404(masterplan_id)
    form = _plan_form(plan)
    if form.validate_on_submit():
        try:
            plans.update_plan(plan, form.data, expected_version=form.version.data, actor=actor())
        except Invalid as refused:
            db.session.rollback()
            plan = plan_or_404(masterplan_id)
            show(form, refused.errors)
        else:
            db.session.commit()
            flash(_("The masterplan has been saved."), "success")
            return redirect(url_for("masterplan.plan", masterplan_id=plan.id), 303)
    return render_template(
        "masterplan/plan_form.html", form=form, plan=plan
    ), 422 if form.is_submitted() else 200


@bp.get("/<int:masterplan_id>/")
@require_member()
def plan(masterplan_id: int):
    head = plan_heads.plan_head(masterplan_id)  # kept too: a warm page reads no plan
    if head is None:
        abort(404)
    # The page below the shell, kept per person (their role decides the buttons) until the
    # next write; the day in the tenant's time zone is its version (a new day replaces it).
    body = remembered_html(
        ("masterplan.plan", masterplan_id, kept.person()),
        lambda: render_template(
            "masterplan/_plan.html", plan=head, page=plan_page(head), manager=is_manager()
        ),
        kept.tenant_today().isoformat(),
    )
    return render_template("masterplan/plan.html", title=head.title, body=body)


def _theme_or_404(theme_id: int) -> Theme:
    theme = db.session.get(Theme, theme_id)
    if theme is None:
        abort(404)
    return theme


def _theme_page(plan, theme, *, item_form=None, situation_form=None, status=200, block="content"):
    entry = plans.theme_entry(plan, theme)
    if situation_form is None:
        situation_form = SituationForm(prefix="situation")
        situation_form.current_situation.data = entry.current_situation if entry else ""
        situation_form.version.data = str(entry.version if entry else 0)
    items = plans.items(plan, theme)
    user = actor()
    return page_or_block(
        "masterplan/theme.html",
        block,
        status=status,
        plan=plan,
        theme=theme,
        entry=entry,
        items=items,
        counts={item.id: plans.support_count(item) for item in items},
        mine={item.id for item in items if plans.supports(item, user)},
        projects=projects.projects(plan, theme_id=theme.id),
        item_form=item_form or ItemForm(prefix="item"),
        situation_form=situation_form,
        manager=is_manager(),
    )


@bp.get("/<int:masterplan_id>/themes/<int:theme_id>")
@require_member()
def theme(masterplan_id: int, theme_id: int):
    return _theme_page(plan_or_404(masterplan_id), _theme_or_404(theme_id))


@bp.post("/<int:masterplan_id>/themes/<int:theme_id>/items")
@require_member()
def add_item(masterplan_id: int, theme_id: int):
    plan, theme = plan_or_404(masterplan_id), _theme_or_404(theme_id)
    form = ItemForm(prefix="item")
    if form.validate_on_submit():
        try:
            plans.add_item(plan, form.kind.data, theme.id, form.text.data, actor=actor())
        except Invalid as refused:
            db.session.rollback()
            show(form, refused.errors)
        else:
            db.session.commit()
            return _theme_page(plan, theme, block="items")
    return _theme_page(plan, theme, item_form=form, status=422, block="items")


@bp.post("/<int:masterplan_id>/items/<int:item_id>/support")
@require_member()
def support(masterplan_id: int, item_id: int):
    plan = plan_or_404(masterplan_id)
    item = child_or_404(Item, item_id, plan)
    if FlaskForm().validate_on_submit():  # the CSRF check
        if plans.supports(item, actor()):
            plans.withdraw_support(item, actor=actor())
        else:
            plans.support(item, actor=actor())
        db.session.commit()
    return _theme_page(plan, _theme_or_404(item.theme_id), block="items")


@bp.post("/<int:masterplan_id>/themes/<int:theme_id>/situation")
@require_member(*MANAGERS)
def situation(masterplan_id: int, theme_id: int):
    plan, theme = plan_or_404(masterplan_id), _theme_or_404(theme_id)
    form = SituationForm(prefix="situation")
    if form.validate_on_submit():
        try:
            plans.set_current_situation(
                plan, theme, form.current_situation.data, expected_version=form.version.data, actor=actor()
            )
        except Invalid as refused:
            db.session.rollback()
            plan, theme = plan_or_404(masterplan_id), _theme_or_404(theme_id)
            show(form, refused.errors)
        else:
            db.session.commit()
            flash(_("The current situation has been saved."), "success")
            return redirect(url_for("masterplan.theme", masterplan_id=plan.id, theme_id=theme.id), 303)
    return _theme_page(plan, theme, situation_form=form, status=422)


@bp.get("/<int:masterplan_id>/export.pdf")
@require_member()
def export_pdf(masterplan_id: int):
    plan = plan_or_404(masterplan_id)
    return send_document(render_document_pdf(exports.plan_document(plan)), f"masterplan-{plan.id}.pdf", "pdf")


@bp.get("/<int:masterplan_id>/export.docx")
@require_member()
def export_docx(masterplan_id: int):
    plan = plan_or_404(masterplan_id)
    return send_document(render_docx(exports.plan_document(plan)), f"masterplan-{plan.id}.docx", "docx")
