"""At the door and after: the check-in page (search a name, mark present; htmx, usable
on a phone), the attendee list as CSV or XLSX, and attendance per association."""

from __future__ import annotations

from flask import Response, abort, request
from flask_babel import get_locale
from sqlalchemy import select

from kringwerk.plugin_api import MANAGERS, db, page_or_block, require_member
from plugins.events import checkin, exports
from plugins.events.models import Event, Registration
from plugins.events.views import bp


def _event(event_id: int) -> Event:
    return db.session.scalar(select(Event).where(Event.id == event_id)) or abort(404)


@bp.get("/<int:event_id>/checkin")
@require_member(*MANAGERS)
def checkin_page(event_id: int):
    event = _event(event_id)
    query = request.args.get("q", "")
    return page_or_block(
        "events/checkin.html",
        "people",
        event=event,
        query=query,
        people=checkin.search(event.id, query),
        attendance=checkin.attendance_by_association(event.id),
    )


@bp.post("/<int:event_id>/checkin/<int:registration_id>")
@require_member(*MANAGERS)
def check_in(event_id: int, registration_id: int):
    event = _event(event_id)
    registration = db.session.scalar(
        select(Registration).where(Registration.id == registration_id, Registration.event_id == event.id)
    )
    if registration is None:
        abort(404)
    try:
        checkin.mark(registration, request.form.get("present") == "1")
    except ValueError:
        abort(409)
    db.session.commit()
    return page_or_block(
        "events/checkin.html",
        "person",
        event=event,
        query="",
        person=registration,
        people=[registration],
        attendance=checkin.attendance_by_association(event.id),
    )


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:event_id>/attendees.csv")
@require_member(*MANAGERS)
def attendees_csv(event_id: int):
    event = _event(event_id)
    language = str(get_locale() or "nl")
    return _download(exports.to_csv(event, language), f"event-{event.id}.csv", "text/csv")


@bp.get("/<int:event_id>/attendees.xlsx")
@require_member(*MANAGERS)
def attendees_xlsx(event_id: int):
    event = _event(event_id)
    return _download(
        exports.to_xlsx(event),
        f"event-{event.id}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
