"""A project's meetings on the events calendar, without importing the events plugin: the
``linkable_events`` hook offers the tenant's events and resolves stored ids to their
current title, date and link. Where no enabled plugin answers (events switched off) the
section is hidden; the stored links stay, harmless, and show again when it is switched
back on. A link keeps the title and start it had, to show once the event is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import LinkableEvent, db, hooks, record
from plugins.masterplan import changes, contributions
from plugins.masterplan.changes import Invalid
from plugins.masterplan.models import Project, ProjectEvent

MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class LinkedEvent:
    """A stored link with what the calendar says of it now (``event`` None: it is gone)."""

    link_id: int
    event_id: int
    title: str
    starts_at: datetime
    url: str | None
    cancelled: bool
    gone: bool


def _ask(tenant, ids) -> list[LinkableEvent] | None:
    """The events answered, or None when no enabled plugin answers the hook at all."""
    answers = hooks(tenant).linkable_events(tenant=tenant, ids=ids)
    if not answers:
        return None
    return [event for answer in answers for event in answer or () if isinstance(event, LinkableEvent)]


def offered(tenant, project: Project) -> list[LinkableEvent] | None:
    """Events ``project`` may link to (not yet linked), or None when there is no calendar."""
    events = _ask(tenant, None)
    if events is None:
        return None
    taken = set(
        db.session.scalars(select(ProjectEvent.event_id).where(ProjectEvent.project_id == project.id))
    )
    return [event for event in events if event.id not in taken]


def linked(tenant, project: Project) -> list[LinkedEvent] | None:
    """The project's events by date, current where the calendar still has them; None when
    there is no calendar (the section is hidden)."""
    rows = list(
        db.session.scalars(
            select(ProjectEvent).where(ProjectEvent.project_id == project.id).order_by(ProjectEvent.starts_at)
        )
    )
    current = _ask(tenant, [row.event_id for row in rows])
    if current is None:
        return None
    found = {event.id: event for event in current}
    shown = []
    for row in rows:
        event = found.get(row.event_id)
        shown.append(
            LinkedEvent(
                row.id,
                row.event_id,
                event.title if event else row.title,
                event.starts_at if event else row.starts_at,
                event.url if event else None,
                bool(event and event.cancelled),
                event is None,
            )
        )
    return sorted(shown, key=lambda item: item.starts_at)


def link(tenant, project: Project, event_id, *, actor) -> ProjectEvent:
    """Link the calendar's event ``event_id`` to ``project``; Invalid with a message otherwise."""
    text = str(event_id if event_id is not None else "").strip()
    wanted = int(text) if text.isdigit() and 0 < int(text) <= MAX_ID else None
    answered = _ask(tenant, [wanted] if wanted is not None else [])
    if answered is None:
        raise Invalid({"event_id": _l("The events calendar is not switched on for this association.")})
    event = next((e for e in answered if e.id == wanted), None)
    if event is None:
        raise Invalid({"event_id": _l("Choose an event from the association's calendar.")})
    if event.cancelled:
        raise Invalid({"event_id": _l("This event has been cancelled.")})
    exists = db.session.scalar(
        select(ProjectEvent.id).where(
            ProjectEvent.project_id == project.id, ProjectEvent.event_id == event.id
        )
    )
    if exists is not None:
        raise Invalid({"event_id": _l("This event is already linked to the project.")})
    row = ProjectEvent(
        project_id=project.id,
        event_id=event.id,
        title=event.title[:200],
        starts_at=event.starts_at,
        linked_by_id=getattr(actor, "id", None),
    )
    contributions.add_once(row, {"event_id": _l("This event is already linked to the project.")})
    changes.log(
        project.masterplan_id, actor, "project", project.id, "updated", {"events": [None, event.title]}
    )
    record(
        "masterplan.project_event_linked",
        actor=actor,
        target=project,
        target_label=project.title,
        details={"event_id": event.id, "event": event.title},
    )
    db.session.flush()
    return row


def unlink(row: ProjectEvent, *, actor) -> None:
    project = db.session.get(Project, row.project_id)
    title, event_id = row.title, row.event_id
    db.session.delete(row)
    db.session.flush()
    changes.log(project.masterplan_id, actor, "project", project.id, "updated", {"events": [title, None]})
    record(
        "masterplan.project_event_unlinked",
        actor=actor,
        target=project,
        target_label=project.title,
        details={"event_id": event_id, "event": title},
    )
    db.session.flush()
