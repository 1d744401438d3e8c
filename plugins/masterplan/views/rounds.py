"""Priority rounds: the board opens one; members spread their points over the
themes while it is open; the board closes it and the result orders the plan."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from kringwerk.plugin_api import MANAGERS, current_tenant, db, require_member
from plugins.masterplan import plans, rounds, seeding
from plugins.masterplan.changes import Invalid
from plugins.masterplan.forms import RoundForm, show
from plugins.masterplan.models import PriorityRound
from plugins.masterplan.views import actor, bp, child_or_404, is_manager, plan_or_404


def _today():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def _source_choices(sources) -> list[SelectChoice]:
    """The closed polls a round can start from; one too small to use is shown but cannot be chosen."""
    options = [SelectChoice("", _("None: the themes in their usual order"))]
    for source in sources:
        when = format_date(source.closed_on, "medium") if source.closed_on else ""
        counted = ngettext("%(num)d respondent", "%(num)d respondents", source.respondents)
        label = f"{source.label} ({when + ', ' if when else ''}{counted})"
        if source.withheld:
            label = _("%(source)s: too few respondents to use", source=label)
        options.append(SelectChoice(source.source, label, {"disabled": True} if source.withheld else {}))
    return options


@bp.route("/<int:masterplan_id>/rounds/new", methods=["GET", "POST"])
@require_member(*MANAGERS)
def new_round(masterplan_id: int):
    plan = plan_or_404(masterplan_id)
    form = RoundForm()
    form.seed_source.choices = _source_choices(seeding.sources(current_tenant()))
    if not form.is_submitted():
        form.points_per_member.data = "100"
    if form.validate_on_submit():
        try:
            row = rounds.create_round(plan, form.data, actor=actor())
        except Invalid as refused:
            db.session.rollback()
            plan = plan_or_404(masterplan_id)
            show(form, refused.errors)
        else:
            db.session.commit()
            flash(_("The priority round has been created."), "success")
            return redirect(url_for("masterplan.round", masterplan_id=plan.id, priority_round_id=row.id), 303)
    return (
        render_template("masterplan/round_form.html", form=form, plan=plan),
        422 if form.is_submitted() else 200,
    )


def _seed_date(seed):
    """The stored seed's closing date, read defensively (stored JSON)."""
    try:
        return date.fromisoformat(seed["closed_on"])
    except (TypeError, KeyError, ValueError):
        return None


def _round_page(plan, row, *, errors=None, given=None, status=200):
    user = actor()
    mine = rounds.my_points(row, user)
    themes = plans.themes()
    seeded = seeding.seed_counts(row.seed)
    if seeded:  # members see the themes in the starting order
        themes.sort(key=lambda theme: -seeded.get(theme.id, 0))
    return (
        render_template(
            "masterplan/round.html",
            plan=plan,
            round=row,
            themes=themes,
            names={t.id: t.name for t in themes},
            given=given if given is not None else {t.id: mine.get(t.id, "") for t in themes},
            errors=errors or {},
            open=rounds.is_open(row, _today()),
            tally=row.result if row.closed_at else (rounds.tally(row) if is_manager() else None),
            form=FlaskForm(),
            manager=is_manager(),
            seed=row.seed if isinstance(row.seed, dict) else None,
            seeded=seeded,
            seed_closed_on=_seed_date(row.seed),
        ),
        status,
    )


@bp.route("/<int:masterplan_id>/rounds/<int:priority_round_id>", methods=["GET", "POST"])
@require_member()
def round(masterplan_id: int, priority_round_id: int):  # noqa: A001 - the endpoint's name
    plan = plan_or_404(masterplan_id)
    row = child_or_404(PriorityRound, priority_round_id, plan)
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            return _round_page(
                plan, row, errors={"": _("The form has expired; please try again.")}, status=422
            )
        given = {
            key.removeprefix("theme_"): value
            for key, value in request.form.items()
            if key.startswith("theme_")
        }
        try:
            rounds.allocate(row, actor(), given, today=_today())
        except Invalid as refused:
            db.session.rollback()
            plan = plan_or_404(masterplan_id)
            row = child_or_404(PriorityRound, priority_round_id, plan)
            shown = {int(k): v for k, v in given.items() if k.isdigit() and len(k) < 10}
            return _round_page(plan, row, errors=refused.errors, given=shown, status=422)
        db.session.commit()
        flash(_("Your points have been saved."), "success")
        return redirect(url_for("masterplan.round", masterplan_id=plan.id, priority_round_id=row.id), 303)
    return _round_page(plan, row)


@bp.route("/<int:masterplan_id>/rounds/<int:priority_round_id>/close", methods=["GET", "POST"])
@require_member(*MANAGERS)
def close_round(masterplan_id: int, priority_round_id: int):
    """GET asks first (closing ends the members' say for good); POST closes."""
    plan = plan_or_404(masterplan_id)
    row = child_or_404(PriorityRound, priority_round_id, plan)
    if request.method == "GET" and row.closed_at is None:
        return render_template("masterplan/round_close.html", plan=plan, round=row, today=_today())
    if request.method == "POST" and FlaskForm().validate_on_submit():
        rounds.close_round(row, actor=actor())
        db.session.commit()
        flash(_("The round is closed; its result now orders the plan's themes."), "success")
    return redirect(url_for("masterplan.round", masterplan_id=plan.id, priority_round_id=row.id), 303)
