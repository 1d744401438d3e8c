"""Who a poll goes to: the audience, invitations by e-mail and reminders.

Builders (admins and facilitators) choose the audience with live counts,
send invitations and reminders (background tasks with progress) and plan a
reminder. The standing entrepreneurs' panel is the core's (its page lives
under the members area). Views stay thin: the rules live in ``audience`` and
``invitations``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import IntegerField, RadioField, SelectChoice, SelectMultipleField, StringField, widgets
from wtforms.validators import NumberRange, Optional

from kringwerk.plugin_api import (
    BusinessPark,
    Circle,
    Role,
    company_sectors,
    db,
    int_arg,
    page_or_block,
    paginate,
    require_member,
    wants_fragment,
)
from plugins.polls import audience, invitations, rates
from plugins.polls.audience import AudienceError
from plugins.polls.invitations import InvitationError
from plugins.polls.models import AudienceKind, Poll, PollInvitation
from plugins.polls.views import bp, poll_or_404, polls_task

BUILDERS = (Role.ADMIN, Role.FACILITATOR)


# --- forms ------------------------------------------------------------------------------------


class Checkboxes(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AudienceForm(FlaskForm):
    audience = RadioField(
        _l("Who is the poll for?"),
        choices=[SelectChoice(kind.value, kind.label) for kind in AudienceKind],
        default=AudienceKind.ALL.value,
        validate_choice=False,  # the service gives the message
    )
    # Checked by the service (the tenant's own ids only), so the form does not pre-judge them.
    park_ids = Checkboxes(_l("Business parks"), validate_choice=False)
    circle_ids = Checkboxes(_l("Circles"), validate_choice=False)
    sectors = Checkboxes(_l("Sectors"), validate_choice=False)
    min_employees = IntegerField(
        _l("At least this many employees"),
        validators=[Optional(), NumberRange(min=0, message=_l("Enter a whole number of 0 or more."))],
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    max_employees = IntegerField(
        _l("At most this many employees"),
        validators=[Optional(), NumberRange(min=0, message=_l("Enter a whole number of 0 or more."))],
        render_kw={"min": 0, "inputmode": "numeric"},
    )

    def fill_choices(self) -> None:
        parks = db.session.execute(select(BusinessPark.id, BusinessPark.name).order_by(BusinessPark.name))
        circles = db.session.execute(select(Circle.id, Circle.name).order_by(Circle.name))
        self.park_ids.choices = [SelectChoice(str(row.id), row.name) for row in parks]
        self.circle_ids.choices = [SelectChoice(str(row.id), row.name) for row in circles]
        self.sectors.choices = [SelectChoice(sector, sector) for sector in company_sectors()]

    def values(self) -> dict:
        return {
            "park_ids": self.park_ids.data or [],
            "circle_ids": self.circle_ids.data or [],
            "sectors": self.sectors.data or [],
            "min_employees": self.min_employees.data,
            "max_employees": self.max_employees.data,
        }

    def show(self, error: AudienceError) -> None:
        for name, message in error.errors.items():
            if name in self:
                self[name].errors = [*self[name].errors, message]
            else:
                flash(str(message), "error")


class ReminderForm(FlaskForm):
    reminder_at = StringField(_l("Send a reminder at"), render_kw={"type": "datetime-local"})


# --- helpers ----------------------------------------------------------------------------------


def _local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Amsterdam")


def _local_input(value: datetime | None) -> str:
    return value.astimezone(_local_zone()).strftime("%Y-%m-%dT%H:%M") if value else ""


def _parse_local(value: str) -> datetime | None:
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=_local_zone()).astimezone(UTC)
        except ValueError:
            continue
    return None


def _audience_form(poll: Poll, data=None) -> AudienceForm:
    if data is None:
        criteria = poll.audience_filter or {}
        form = AudienceForm(
            formdata=None,
            audience=poll.audience.value,
            park_ids=[str(i) for i in criteria.get("park_ids", [])],
            circle_ids=[str(i) for i in criteria.get("circle_ids", [])],
            sectors=criteria.get("sectors", []),
            min_employees=criteria.get("min_employees"),
            max_employees=criteria.get("max_employees"),
        )
    else:
        form = AudienceForm(formdata=data)
    form.fill_choices()
    return form


def _render_audience(poll: Poll, status: int = 200, *, form=None, reminder_form=None, summary=None, **extra):
    form = form or _audience_form(poll)
    reminder_form = reminder_form or ReminderForm(formdata=None, reminder_at=_local_input(poll.reminder_at))
    counts = invitations.invitation_counts(poll)
    page = None
    if not poll.anonymous:
        page = paginate(invitations.invitation_list(poll).options(selectinload(PollInvitation.company)))
    return page_or_block(
        "polls/audience/page.html",
        "content",
        status,
        poll=poll,
        form=form,
        reminder_form=reminder_form,
        summary=summary or audience.audience_summary(poll),
        filter_labels=audience.filter_labels(poll),
        counts=counts,
        rate=rates.response_rate(poll),
        page=page,
        task=polls_task(int_arg("task")),
        **extra,
    )


# --- the audience page --------------------------------------------------------------------------


@bp.route("/<int:poll_id>/audience", methods=["GET", "POST"], endpoint="audience")
@require_member(*BUILDERS)
def audience_page(poll_id: int):
    poll = poll_or_404(poll_id)
    if request.method == "GET":
        if wants_fragment() and "audience" in request.args:
            # Live counts for the choice being made, before it is saved.
            form = _audience_form(poll, request.args)
            try:
                kind = AudienceKind(form.audience.data)
                criteria = audience.clean_audience_filter(form.values()) if kind == AudienceKind.ALL else {}
            except (ValueError, AudienceError):
                return Response(
                    render_template("polls/audience/_summary_error.html"), status=422, mimetype="text/html"
                )
            draft = SimpleNamespace(audience=kind, audience_filter=criteria)
            return page_or_block(
                "polls/audience/page.html", "summary", summary=audience.audience_summary(draft), poll=poll
            )
        return _render_audience(poll)
    form = _audience_form(poll, request.form)
    if form.validate():
        try:
            audience.set_audience(poll, form.audience.data, form.values(), actor=current_user)
        except AudienceError as error:
            form.show(error)
        else:
            db.session.commit()
            flash(_("The audience was saved."), "success")
            return redirect(url_for("polls.audience", poll_id=poll.id), 303)
    db.session.rollback()
    return _render_audience(poll, 422, form=form)


@bp.post("/<int:poll_id>/invitations/send")
@require_member(*BUILDERS)
def send_invitations(poll_id: int):
    poll = poll_or_404(poll_id)
    try:
        task = invitations.start_sending(poll, actor=current_user)
    except InvitationError as error:
        db.session.rollback()
        return _render_audience(poll, 422, send_error=error.message)
    task_id = task.id
    db.session.commit()
    return redirect(url_for("polls.audience", poll_id=poll_id, task=task_id, _anchor="sending"), 303)


@bp.post("/<int:poll_id>/reminders/send")
@require_member(*BUILDERS)
def send_reminders(poll_id: int):
    poll = poll_or_404(poll_id)
    try:
        task = invitations.send_reminders(poll, actor=current_user)
    except InvitationError as error:
        db.session.rollback()
        return _render_audience(poll, 422, reminder_error=error.message)
    task_id = task.id
    db.session.commit()
    return redirect(url_for("polls.audience", poll_id=poll_id, task=task_id, _anchor="sending"), 303)


@bp.post("/<int:poll_id>/reminders/schedule")
@require_member(*BUILDERS)
def schedule_reminder(poll_id: int):
    poll = poll_or_404(poll_id)
    form = ReminderForm(request.form)
    typed = (form.reminder_at.data or "").strip()
    if "clear" in request.form:
        invitations.schedule_reminder(poll, None, actor=current_user)
        db.session.commit()
        flash(_("The scheduled reminder was cancelled."), "success")
        return redirect(url_for("polls.audience", poll_id=poll_id), 303)
    when = _parse_local(typed) if typed else None
    if when is None:
        form.reminder_at.errors = [_("Enter a date and time.")]
    else:
        try:
            invitations.schedule_reminder(poll, when, actor=current_user)
        except InvitationError as error:
            form.reminder_at.errors = [error.message]
        else:
            db.session.commit()
            flash(_("The reminder is scheduled."), "success")
            return redirect(url_for("polls.audience", poll_id=poll_id), 303)
    db.session.rollback()
    return _render_audience(poll, 422, reminder_form=form)
