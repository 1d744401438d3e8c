"""The attendee list as CSV or XLSX for the organisers: confirmed, waiting (in order)
and pending people with their answers to the event's questions.

Dutch Excel first: CSV in UTF-8 with a byte-order mark and ``;`` between fields
(``,`` in English), times in Europe/Amsterdam as the header says, and every text cell
that a spreadsheet could run as a formula starts with an apostrophe. The list is one
event's people, small enough to write during the request.
"""

from __future__ import annotations

import io
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from kringwerk.plugin_api import csv_bytes, db, formula_safe
from plugins.events.models import Event, Registration, RegistrationStatus
from plugins.events.services import local

TIME_FORMAT = "%Y-%m-%d %H:%M"


def rows(event: Event):
    """The header, then one row per live registration: confirmed, waiting in order, pending."""
    questions = event.questions or []
    yield [
        _("Status"),
        _("Waiting list"),
        _("Name"),
        _("E-mail address"),
        _("Company"),
        _("Via"),
        _("Signed up (Europe/Amsterdam)"),
        _("Present"),
        *[question["label"] for question in questions],
    ]
    order = {RegistrationStatus.CONFIRMED: 0, RegistrationStatus.WAITING: 1, RegistrationStatus.PENDING: 2}
    registrations = sorted(
        db.session.scalars(
            select(Registration).where(
                Registration.event_id == event.id, Registration.status != RegistrationStatus.CANCELLED
            )
        ),
        key=lambda r: (order[r.status], r.position or 0, r.id),
    )
    waiting = 0
    for registration in registrations:
        if registration.status == RegistrationStatus.WAITING:
            waiting += 1
        yield [
            str(registration.status.label),
            waiting if registration.status == RegistrationStatus.WAITING else None,
            registration.name,
            registration.email,
            registration.company,
            registration.via,
            local(registration.created_at),
            _("yes") if registration.checked_in_at else "",
            *[(registration.answers or {}).get(question["key"], "") for question in questions],
        ]


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.strftime(TIME_FORMAT)
    if isinstance(cell, int):
        return str(cell)
    return formula_safe(str(cell))


def to_csv(event: Event, language: str) -> bytes:
    return csv_bytes(rows(event), language, cell=_text)


def to_xlsx(event: Event) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Attendees")[:31])
    for row in rows(event):
        cells = []
        for value in row:
            number_format = None
            if value is None:
                value = ""
            if isinstance(value, datetime):
                # Excel has no time zones: local time, as the header says.
                value, number_format = value.replace(tzinfo=None), "yyyy-mm-dd hh:mm"
            elif isinstance(value, str):
                value = formula_safe(value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula
            if number_format:
                cell.number_format = number_format
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
