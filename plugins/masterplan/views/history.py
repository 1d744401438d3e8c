"""A plan's history: every change, newest first, with who made it and what changed; the
published versions, publishing the plan as adopted on a date, and comparing two
versions side by side."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from kringwerk.plugin_api import MANAGERS, db, int_arg, paginate, require_member
from plugins.masterplan import change_labels, versions
from plugins.masterplan.changes import Invalid
from plugins.masterplan.models import PlanChange, PlanSnapshot
from plugins.masterplan.views import actor, bp, child_or_404, is_manager, plan_or_404


@bp.get("/<int:masterplan_id>/history")
@require_member()
def history(masterplan_id: int):
    plan = plan_or_404(masterplan_id)
    page = paginate(
        select(PlanChange)
        .where(PlanChange.masterplan_id == plan.id)
        .order_by(PlanChange.at.desc(), PlanChange.id.desc())
    )
    published = versions.snapshots(plan)
    return render_template(
        "masterplan/history.html",
        plan=plan,
        page=page,
        rows=change_labels.describe_page(page.items),
        snapshots=published,
        labels={snapshot.id: versions.version_label(snapshot) for snapshot in published},
        today=versions.today().isoformat(),
        form=FlaskForm(),
        manager=is_manager(),
        errors={},
    )


@bp.post("/<int:masterplan_id>/versions")
@require_member(*MANAGERS)
def publish(masterplan_id: int):
    plan = plan_or_404(masterplan_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        versions.publish(plan, request.form, actor=actor())
    except Invalid as refused:
        db.session.rollback()
        flash(" ".join(str(message) for message in refused.errors.values()), "error")
        return redirect(url_for("masterplan.history", masterplan_id=masterplan_id), 303)
    db.session.commit()
    flash(_("This version of the plan has been published."), "success")
    return redirect(url_for("masterplan.history", masterplan_id=plan.id), 303)


@bp.get("/<int:masterplan_id>/versions/compare")
@require_member()
def compare(masterplan_id: int):
    plan = plan_or_404(masterplan_id)
    old_id, new_id = int_arg("old"), int_arg("new")
    if old_id is None or new_id is None:
        abort(404)
    old = child_or_404(PlanSnapshot, old_id, plan)
    new = child_or_404(PlanSnapshot, new_id, plan)
    return render_template(
        "masterplan/compare.html",
        plan=plan,
        old=old,
        new=new,
        old_label=versions.version_label(old),
        new_label=versions.version_label(new),
        rows=versions.compare(old.lines, new.lines),
    )
