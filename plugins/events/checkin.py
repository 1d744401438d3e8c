"""Check-in at the door: find a confirmed person by name, company or e-mail, and mark
them present (or undo it). Attendance per association comes from the same rows."""

from __future__ import annotations

from sqlalchemy import func, literal_column, or_, select

from kringwerk.plugin_api import db, utcnow
from plugins.events.models import Registration, RegistrationStatus


def search(event_id: int, query: str, *, limit: int = 50) -> list[Registration]:
    statement = select(Registration).where(
        Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED
    )
    words = (query or "").strip().lower()[:100]
    if words:
        # Escape LIKE's wildcards so "%" finds a percent sign, not everyone.
        pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            or_(
                func.lower(Registration.name).like(pattern, escape="\\"),
                func.lower(Registration.company).like(pattern, escape="\\"),
                func.lower(Registration.email).like(pattern, escape="\\"),
            )
        )
    return list(db.session.scalars(statement.order_by(Registration.name, Registration.id).limit(limit)))


def mark(registration: Registration, present: bool) -> Registration:
    if registration.status != RegistrationStatus.CONFIRMED:
        raise ValueError("only confirmed people check in")
    registration.checked_in_at = utcnow() if present else None
    return registration


def attendance_by_association(event_id: int) -> list[tuple[str, int, int]]:
    """(association, confirmed, present) per association people came through; the tenant's own
    members and guests count under an empty name."""
    # The empty name as SQL text, not a bound value: PostgreSQL matches the SELECT's expression
    # with the GROUP BY's only when both read the same, and two bound values are two parameters.
    via = func.coalesce(Registration.via, literal_column("''"))
    rows = db.session.execute(
        select(via, func.count(), func.count(Registration.checked_in_at))
        .where(Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED)
        .group_by(via)
        .order_by(via)
    ).all()
    return [(via, confirmed, present) for via, confirmed, present in rows]
