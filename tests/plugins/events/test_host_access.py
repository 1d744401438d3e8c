"""The plugin host keeps plugin views to the tenant's members; the events pages whose
audience rule decides (cancelling and paying for a seat, the personal feed) are
``@public`` to the host and ask for sign-in themselves. A seat at a public event may
belong to a signed-in person of another tenant: that person still cancels it, and
sees nothing of the tenant's members-only events."""

from __future__ import annotations

import pytest

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.events.models import Audience, Registration, RegistrationStatus
from tests.plugins.events.conftest import make_event

pytestmark = pytest.mark.both_databases


def test_another_tenants_member_cancels_a_seat_at_a_public_event(events_world, client, login_as):
    a, b = events_world.a, events_world.b
    public_event = make_event(a.tenant, title="Dag van de Ondernemer", audience=Audience.PUBLIC)
    members_only = make_event(a.tenant, title="Ledenavond")
    login_as(b.member)
    assert client.post(f"/kring-a/events/{public_event}/signup").status_code == 200
    assert client.get(f"/kring-a/events/{public_event}/cancel").status_code == 200
    assert client.post(f"/kring-a/events/{public_event}/cancel").status_code == 303
    with tenant_scope(a.tenant):
        registration = db.session.query(Registration).one()
        assert (registration.user_id, registration.status) == (b.member.id, RegistrationStatus.CANCELLED)
    # Nothing else of tenant A opens to B's member: the members-only event and the feed are 404.
    assert client.get(f"/kring-a/events/{members_only}/cancel").status_code == 404
    assert client.post(f"/kring-a/events/{members_only}/pay").status_code == 404
    assert client.get("/kring-a/events/my-feed").status_code == 404
    assert client.get("/kring-a/events/new").status_code == 404


def test_a_visitor_is_asked_to_sign_in_before_cancelling_or_making_a_feed(events_world, client):
    public_event = make_event(events_world.a.tenant, title="Dag van de Ondernemer", audience=Audience.PUBLIC)
    for response in (
        client.get(f"/kring-a/events/{public_event}/cancel"),
        client.get("/kring-a/events/my-feed"),
    ):
        assert response.status_code == 302
        assert "/account/login" in response.headers["Location"]
    assert client.post("/kring-a/events/my-feed").status_code in (302, 401)
    with tenant_scope(events_world.a.tenant):
        assert db.session.query(Registration).count() == 0
