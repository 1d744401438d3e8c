"""Guests sign up on a public form without an account: past the core limiter's bound per
client address the next attempts get the core's 429 page (with Retry-After) and leave no
registration, in tenant A as in tenant B; another address and signed-in members go on."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from kringwerk.extensions import db, utcnow
from kringwerk.tenancy import tenant_scope
from plugins.events.models import Audience, Registration
from plugins.events.views.signup import GUEST_PERIOD, GUEST_SIGNUPS
from tests.conftest import base_config
from tests.plugins.events.conftest import make_event


@pytest.fixture
def app_config(tmp_path, database_url) -> dict:
    return base_config(tmp_path, database_url, RATELIMIT_ENABLED=True)


def _ip() -> str:
    # The counters may live in the run's shared Redis: an address of this test alone.
    return ".".join(["10", *(str(secrets.randbelow(250) + 1) for _ in range(3))])


def test_guest_sign_ups_are_rate_limited_per_address(events_world, client, login_as):
    a, b = events_world.a, events_world.b
    start = utcnow() + timedelta(days=14)
    public_a = make_event(a.tenant, title="Open dag", audience=Audience.PUBLIC, starts_at=start)
    public_b = make_event(b.tenant, title="Open dag B", audience=Audience.PUBLIC, starts_at=start)
    flooder, neighbour = _ip(), _ip()

    def guest(event_id, number, ip, tenant="kring-a"):
        return client.post(
            f"/{tenant}/events/{event_id}/signup",
            data={"name": f"Gast {number}", "email": f"gast{number}@example.nl"},
            environ_base={"REMOTE_ADDR": ip},
        )

    for number in range(GUEST_SIGNUPS):
        assert guest(public_a, number, flooder).status_code == 200
    refused = guest(public_a, 99, flooder)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(GUEST_PERIOD)
    assert "<html" in refused.get_data(as_text=True).lower()  # the core's error page
    assert guest(public_b, 98, flooder, "kring-b").status_code == 429  # the same machine at B
    assert guest(public_a, 97, neighbour).status_code == 200
    with tenant_scope(a.tenant):
        emails = {registration.email for registration in db.session.query(Registration)}
        assert "gast99@example.nl" not in emails and "gast97@example.nl" in emails
        assert len(emails) == GUEST_SIGNUPS + 1
    with tenant_scope(b.tenant):
        assert db.session.query(Registration).count() == 0
    member = login_as(a.member)
    signed_in = member.post(f"/kring-a/events/{public_a}/signup", environ_base={"REMOTE_ADDR": flooder})
    assert signed_in.status_code == 200  # members are known: no guest limit
