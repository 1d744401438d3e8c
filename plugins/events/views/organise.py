"""The organisers' pages: create, edit, publish, copy and cancel an event, and the list
of attendees and the waiting list with counts. Board members and park managers only."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from kringwerk.plugin_api import MANAGERS, Theme, current_tenant, db, require_member
from plugins.events import evaluation, services
from plugins.events.forms import EventForm, MessageForm
from plugins.events.models import Event, Registration, RegistrationStatus
from plugins.events.services import EventError, local
from plugins.events.views import bp, theme_name


def _event(event_id: int) -> Event:
    return db.session.scalar(select(Event).where(Event.id == event_id)) or abort(404)


def _form(event: Event | None = None) -> EventForm:
    form = EventForm()
    form.themes.choices = [
        SelectChoice(theme.id, theme_name(theme))
        for theme in db.session.scalars(select(Theme).where(Theme.active.is_(True)).order_by(Theme.position))
    ]
    if event is not None and not form.is_submitted():
        form.process(
            obj=event,
            starts_at=local(event.starts_at).replace(tzinfo=None),
            ends_at=local(event.ends_at).replace(tzinfo=None),
            signup_deadline=local(event.signup_deadline).replace(tzinfo=None)
            if event.signup_deadline
            else None,
            audience=event.audience.value,
            price=Decimal(event.price_cents) / 100 if event.price_cents else None,
            themes=[theme.id for theme in event.themes],
            questions="\n".join(q["label"] for q in event.questions or []),
        )
    return form


def _show(form, error: EventError) -> None:
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, str(error)]
    else:
        form.form_errors.append(str(error))


@bp.route("/new", methods=["GET", "POST"])
@require_member(*MANAGERS)
def new_event():
    form = _form()
    if not form.is_submitted():
        form.organiser.data = current_tenant().name
    if form.validate_on_submit():
        try:
            event = services.create_event(form.values(), actor=current_user, theme_ids=form.themes.data)
        except EventError as error:
            db.session.rollback()
            _show(form, error)
        else:
            db.session.commit()
            flash(_("The event has been saved as a draft."), "success")
            return redirect(url_for("events.event", event_id=event.id), 303)
    return render_template("events/form.html", form=form, event=None), 422 if form.is_submitted() else 200


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@require_member(*MANAGERS)
def edit_event(event_id: int):
    event = _event(event_id)
    form = _form(event)
    if form.validate_on_submit():
        try:
            services.update_event(event, form.values(), actor=current_user, theme_ids=form.themes.data)
        except EventError as error:
            db.session.rollback()
            event = _event(event_id)
            _show(form, error)
        else:
            db.session.commit()
            flash(_("The event has been saved."), "success")
            return redirect(url_for("events.event", event_id=event.id), 303)
    return render_template("events/form.html", form=form, event=event), 422 if form.is_submitted() else 200


def _act(event_id: int, action, message):
    event = _event(event_id)
    try:
        result = action(event, actor=current_user)
    except EventError as error:
        db.session.rollback()
        abort(409, description=str(error))
    db.session.commit()
    flash(message, "success")
    target = result if isinstance(result, Event) else event
    return redirect(url_for("events.event", event_id=target.id), 303)


@bp.post("/<int:event_id>/publish")
@require_member(*MANAGERS)
def publish(event_id: int):
    return _act(event_id, services.publish_event, _("The event has been published."))


@bp.post("/<int:event_id>/copy")
@require_member(*MANAGERS)
def copy(event_id: int):
    return _act(
        event_id, services.copy_event, _("A copy has been made as a draft; change its dates and publish it.")
    )


@bp.route("/<int:event_id>/cancel-event", methods=["GET", "POST"])
@require_member(*MANAGERS)
def cancel_event(event_id: int):
    """GET asks, POST cancels the event (one rule, so an out-of-range id is a 404 for both)."""
    if request.method == "GET":
        return render_template("events/cancel_event.html", event=_event(event_id))
    return _act(
        event_id, services.cancel_event, _("The event has been cancelled and everyone signed up is told.")
    )


@bp.get("/<int:event_id>/attendees")
@require_member(*MANAGERS)
def attendees(event_id: int):
    event = _event(event_id)
    registrations = list(
        db.session.scalars(
            select(Registration)
            .where(Registration.event_id == event.id)
            .order_by(Registration.status, Registration.position, Registration.id)
        )
    )
    groups = {status: [r for r in registrations if r.status == status] for status in RegistrationStatus}
    attendance, offers = evaluation.followups(current_tenant(), current_user, event)
    return render_template(
        "events/attendees.html",
        event=event,
        groups=groups,
        counts=services.counts(event.id),
        attendance=attendance,
        offers=offers,
    )


@bp.post("/from-match")
@require_member(*MANAGERS)
def from_match():
    """The polls' follow-up button: a draft theme meeting for the match's theme and companies."""
    from plugins.events.followup import draft_from_match

    theme_id = request.form.get("theme_id", type=int)
    company_ids = [int(value) for value in request.form.getlist("company_ids") if value.isdigit()]
    if theme_id is None:
        abort(400)
    try:
        event = draft_from_match(
            theme_id, company_ids, request.form.get("source", "")[:200], actor=current_user
        )
    except EventError as error:
        db.session.rollback()
        abort(404, description=str(error))
    db.session.commit()
    flash(
        _("A draft theme meeting has been made; the companies' contacts are invited when you publish it."),
        "success",
    )
    return redirect(url_for("events.edit_event", event_id=event.id), 303)


@bp.route("/<int:event_id>/message", methods=["GET", "POST"])
@require_member(*MANAGERS)
def message(event_id: int):
    """An e-mail to everyone signed up (a change of room, what to bring)."""
    event = _event(event_id)
    form = MessageForm()
    if form.validate_on_submit():
        count = services.message_attendees(
            event,
            form.subject.data.strip(),
            form.body.data,
            to_waiting=form.to_waiting.data,
            actor=current_user,
        )
        db.session.commit()
        flash(
            ngettext("The message goes to %(num)s person.", "The message goes to %(num)s people.", count),
            "success",
        )
        return redirect(url_for("events.attendees", event_id=event.id), 303)
    return render_template("events/message.html", event=event, form=form), 422 if form.is_submitted() else 200
