"""The events plugin answers ``linkable_events`` for plugins that link to events without
importing it (a masterplan project's meetings): offered are the tenant's published events
from a year ago on; asked by id, published and cancelled ones (marked), never drafts and
never another tenant's; where the plugin is off, nobody answers."""

from __future__ import annotations

from datetime import timedelta

from kringwerk.extensions import db, utcnow
from kringwerk.pluginhost.gating import hooks
from kringwerk.pluginhost.services import disable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.events.models import EventState
from tests.plugins.events.conftest import make_event


def _ask(tenant, ids):
    with tenant_scope(tenant):
        return hooks(tenant).linkable_events(tenant=tenant, ids=ids)


def test_the_calendar_offers_and_resolves_its_own_events(events_world):
    w = events_world
    soon = make_event(w.a.tenant, title="Bijeenkomst energie")
    old = make_event(w.a.tenant, title="Lang geleden", starts_at=utcnow() - timedelta(days=400))
    draft = make_event(w.a.tenant, title="Concept", state=EventState.DRAFT)
    cancelled = make_event(w.a.tenant, title="Afgelast", state=EventState.CANCELLED)
    of_b = make_event(w.b.tenant, title="Event of tenant B")
    (offered,) = _ask(w.a.tenant, None)
    assert [e.title for e in offered] == ["Bijeenkomst energie"]
    assert offered[0].url.endswith(f"/kring-a/events/{soon}") and offered[0].cancelled is False
    (resolved,) = _ask(w.a.tenant, [soon, old, draft, cancelled, of_b, 2**40, "x", True])
    assert {e.id: e.cancelled for e in resolved} == {soon: False, old: False, cancelled: True}
    assert _ask(w.a.tenant, []) == [[]]
    disable_plugin(w.a.tenant, "events")
    db.session.commit()
    assert _ask(w.a.tenant, [soon]) == []  # no plugin answers: the linking page hides its section
