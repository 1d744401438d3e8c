"""Pages of the events plugin, mounted at ``/<tenant>/events/``: the calendar and an
event's page (``calendar``), signing up and cancelling (``signup``), the
organisers' pages (``organise``) and the calendar feeds (``feeds``).

Thin views: they work out who the visitor is (``current_visitor``), call the
services, commit and render.
"""

import functools

from flask import Blueprint, abort, current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from kringwerk.plugin_api import (
    MANAGERS,
    billing_enabled,
    current_membership,
    current_tenant,
    db,
    has_role,
    peer_access,
    remember,
)
from plugins.events.models import Event
from plugins.events.services import Visitor, may_see

bp = Blueprint(
    "events", __name__, template_folder="../templates", static_folder="../static", static_url_path="/static"
)


@bp.context_processor
def _paid_events() -> dict:
    """Prices on the event pages and form, shown only where billing is on (plugins.events.paid)."""
    from plugins.events.paid import price_label

    return {
        "billing_enabled": billing_enabled,
        "event_price": price_label,
        "events_stylesheet": stylesheet_url,
    }


def stylesheet_url() -> str:
    """The plugin's stylesheet (with its content's version), built once per process and
    tenant: it is in the head of every events page."""
    tenant = current_tenant()
    if current_app.debug or tenant is None:
        return url_for("events.static", filename="events.css")
    return _stylesheet_url(request.script_root, tenant.slug)


@functools.lru_cache(maxsize=1024)
def _stylesheet_url(_script_root: str, _slug: str) -> str:
    # The key holds what url_for reads here: the mount prefix and the tenant it fills in.
    return url_for("events.static", filename="events.css")


def current_visitor() -> Visitor:
    """The signed-in person towards the tenant in scope: member, organiser, or someone
    reaching the tenant's network through their association (``peer_access``); anyone
    else is a visitor."""
    if not current_user.is_authenticated:
        return Visitor()
    user = current_user._get_current_object()
    # Who the person is here follows from the data alone (their membership, role, operator
    # flag, their associations' networks): kept per person until the next write, which spares
    # a network's people the look-up of their associations on every page.
    member, manager, via = remember(("events.standing", user.id), lambda: _standing(user))
    return Visitor(user=user, member=member, manager=manager, via=via)


def _standing(user) -> tuple[bool, bool, str | None]:
    member = current_membership() is not None
    access = None if member else peer_access(user, current_tenant())
    return member, has_role(*MANAGERS), access.names if access else None


def signed_in_visitor() -> Visitor:
    """For the pages the plugin host leaves to the audience rule (``@public``): a seat at a
    public event may belong to a signed-in person of any tenant, and a network's people
    have their own feed. A visitor is asked to sign in first, as on every other page."""
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())
    return current_visitor()


def theme_name(theme) -> str:
    return theme.name_en if str(get_locale()) == "en" else theme.name_nl


@functools.cache
def _event_statement(with_themes: bool):
    # Built once per process with a bound id (every event page reads an event); it holds no
    # data, and the tenant scope is added when it runs.
    statement = select(Event).where(Event.id == bindparam("event_id"))
    return statement.options(joinedload(Event.themes)) if with_themes else statement


def load_event(event_id: int, *, with_themes: bool = False) -> Event | None:
    """The event of the tenant in scope, or None (another tenant's id finds nothing);
    ``with_themes`` reads its themes in the same statement (the event's page shows them)."""
    found = db.session.execute(_event_statement(with_themes), {"event_id": event_id})
    return found.unique().scalar_one_or_none()


def visible_event(event_id: int, visitor: Visitor, *, with_themes: bool = False) -> Event:
    """The event if ``visitor`` may see it; anything else (another tenant's, a draft, outside
    the audience) is a 404; a visitor who is not signed in is asked to sign in.
    ``with_themes`` reads its themes in the same statement (the event's page shows them)."""
    event = load_event(event_id, with_themes=with_themes)
    if event is None or not may_see(event, visitor):
        if visitor.user is None:
            # As on every page that needs a sign-in: a visitor is asked to sign in first.
            abort(current_app.login_manager.unauthorized())
        abort(404)
    return event


from plugins.events.views import calendar, door, feeds, organise, signup  # noqa: E402, F401
