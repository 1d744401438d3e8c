"""The annual calendar and an event's page.

Both are open to visitors (``@public``): what they show follows the visitor's
audience (members see everything published, people of the network's
associations the network-wide and public events, anyone else the public ones),
so a calendar never lists an event its reader may not open.
"""

from __future__ import annotations

from flask import abort, render_template, request
from sqlalchemy import select

from kringwerk.plugin_api import Theme, current_tenant, db, int_arg, page_or_block, public, utcnow
from plugins.events import services
from plugins.events.forms import GuestForm, SignupForm, with_questions
from plugins.events.models import Audience, Registration, RegistrationStatus
from plugins.events.services import local
from plugins.events.signup import waiting_number
from plugins.events.views import bp, current_visitor, visible_event


def _audience_arg() -> Audience | None:
    try:
        return Audience(request.args.get("audience", ""))
    except ValueError:
        return None


@bp.get("/")
@public
def index():
    visitor = current_visitor()
    now_local = local(utcnow())
    year = int_arg("year")
    if year is not None and not 2000 <= year <= 2100:
        abort(404)
    view = "year" if request.args.get("view") == "year" else "list"
    theme_id = int_arg("theme")
    audience = _audience_arg()
    statement = services.calendar(
        visitor,
        year=year or (now_local.year if view == "year" else None),
        theme_id=theme_id,
        audience=audience,
        upcoming_from=None if (year or view == "year") else utcnow(),
    )
    themes = list(db.session.scalars(select(Theme).where(Theme.active.is_(True)).order_by(Theme.position)))
    theme_key = next((theme.key for theme in themes if theme.id == theme_id), None)
    events = list(db.session.scalars(statement.limit(500)))
    if theme_id is None or theme_key is not None:
        events += services.shared_events(
            current_tenant(),
            visitor,
            year=year or (now_local.year if view == "year" else None),
            theme_key=theme_key,
            audience=audience,
            upcoming_from=None if (year or view == "year") else utcnow(),
        )
        events.sort(key=lambda event: (event.starts_at, event.shared, event.id))
    return page_or_block(
        "events/index.html",
        "calendar",
        visitor=visitor,
        months=services.by_month(events),
        events=events,
        view=view,
        year=year or now_local.year,
        theme_id=theme_id,
        audience=audience,
        themes=themes,
        audiences=services.visible_audiences(visitor),
    )


def own_registration(event_id: int, visitor) -> Registration | None:
    if visitor.user is None:
        return None
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event_id,
            Registration.user_id == visitor.user.id,
            Registration.status != RegistrationStatus.CANCELLED,
        )
    )


@bp.get("/<int:event_id>")
@public
def event(event_id: int):
    visitor = current_visitor()
    found = visible_event(event_id, visitor)
    registration = own_registration(found.id, visitor)
    form_class = SignupForm if visitor.user is not None else GuestForm
    return render_template(
        "events/event.html",
        event=found,
        visitor=visitor,
        registration=registration,
        position=waiting_number(registration) if registration else None,
        form=with_questions(form_class, found.questions)(),
        may_attend=services.may_attend(found, visitor),
    )
