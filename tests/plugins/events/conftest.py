"""Fixtures for the events tests: the plugin enabled in both tenants, and
``make_event`` to build an event straight from the model (no service involved,
so a broken service cannot hide behind its own fixture).

Use objects inside ``tenant_scope(...)`` and plain ids everywhere else: the
fixtures commit, and an expired row of a tenant reloads only in its scope.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from kringwerk.extensions import db, utcnow
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.events.models import Audience, Event, EventState
from plugins.events.services import Visitor


@pytest.fixture
def events_world(world):
    for side in (world.a, world.b):
        enable_plugin(side.tenant, "events")
    db.session.commit()
    return world


def make_event(tenant, *, title="Themabijeenkomst energie", **values) -> int:
    """A published members-only event in ``tenant`` a week from now, unless ``values`` say otherwise."""
    start = values.pop("starts_at", utcnow() + timedelta(days=7))
    with tenant_scope(tenant):
        event = Event(
            title=title,
            description="Samen zonnepanelen op de daken van het bedrijventerrein.",
            starts_at=start,
            ends_at=values.pop("ends_at", start + timedelta(hours=2)),
            venue=values.pop("venue", "Paleis Het Loo, Apeldoorn"),
            state=values.pop("state", EventState.PUBLISHED),
            audience=values.pop("audience", Audience.MEMBERS),
            **values,
        )
        db.session.add(event)
        db.session.flush()
        event_id = event.id
    db.session.commit()
    return event_id


@pytest.fixture
def event_id(events_world) -> int:
    """A published members-only event in tenant A with 2 seats."""
    return make_event(events_world.a.tenant, capacity=2)


@pytest.fixture
def b_event_id(events_world) -> int:
    return make_event(events_world.b.tenant, title="Event of tenant B", capacity=2)


def member(user, *, manager=False) -> Visitor:
    return Visitor(user=user, member=True, manager=manager)
