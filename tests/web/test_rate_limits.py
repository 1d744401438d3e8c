"""One test per rate-limited endpoint: sign-in, magic links, member invitations, chair
invitations (an existing association and a new one share one budget), a guest's event
sign-up and Stripe's webhook. The first N requests in the window go through, the N+1-th
gets 429 with Retry-After and a message in English and in Dutch; the refused request
changes nothing, and the other tenant's people are not held back by it.

Each runs twice: counted in Redis (the keys are there) and in the process (no REDIS_URL).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kringwerk.accounts import ratelimit
from kringwerk.accounts.models import Invitation
from kringwerk.accounts.ratelimit import KEY_PREFIX, MemoryBackend, RedisBackend, limiter
from kringwerk.billing import views as billing_views
from kringwerk.extensions import db, utcnow
from kringwerk.networks.models import NetworkInvitation
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.context import unscoped
from tests.conftest import base_config

LIMIT = 3
ENGLISH = "Too many attempts"
DUTCH = "Te veel pogingen"


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "memory":
        return None
    url = request.getfixturevalue("redis_server").url
    backend = RedisBackend(url)
    backend.url = url
    keys = backend.redis.keys(f"{KEY_PREFIX}:*")
    if keys:
        backend.redis.delete(*keys)
    return backend


@pytest.fixture
def app_config(tmp_path, database_url, store) -> dict:
    # Only the limiter is under test: with Redis, jobs still run in the process.
    extra = {"REDIS_URL": store.url, "JOBS_IN_PROCESS": True} if store else {}
    return base_config(
        tmp_path,
        database_url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_IP_LIMIT=LIMIT,
        RATELIMIT_EMAIL_LIMIT=LIMIT,
        **extra,
    )


@pytest.fixture(autouse=True)
def small_limits(monkeypatch):
    monkeypatch.setattr(ratelimit, "INVITATIONS", (LIMIT, 600))
    monkeypatch.setattr(billing_views, "WEBHOOK_LIMIT", (LIMIT, 60))
    from plugins.events.views import signup

    monkeypatch.setattr(signup, "GUEST_SIGNUPS", LIMIT)


def assert_counted(store, action: str) -> None:
    """The counters are where they should be: Redis when it is configured, else the process."""
    if store is None:
        assert isinstance(limiter().backend, MemoryBackend)
    else:
        assert isinstance(limiter().backend, RedisBackend)
        assert store.redis.keys(f"{KEY_PREFIX}:{action}:*"), f"no {action} counter in Redis"


def assert_refused(response, english: bool = True) -> None:
    assert response.status_code == 429, response.get_data(as_text=True)[:300]
    assert int(response.headers["Retry-After"]) > 0
    assert (ENGLISH if english else DUTCH) in response.get_data(as_text=True)


DUTCH_VISITOR = {"environ_overrides": {"HTTP_ACCEPT_LANGUAGE": "nl"}}


def in_dutch(client) -> None:
    assert client.post("/language", data={"language": "nl", "next": "/healthz"}).status_code == 302


def test_sign_in(client, world, store):
    def attempt(**kwargs):
        data = {"email": world.a.member.email, "password": "wrong"}
        return client.post("/account/login", data=data, **kwargs)

    for _ in range(LIMIT):
        assert attempt().status_code == 422
    assert_refused(attempt())
    assert_refused(attempt(**DUTCH_VISITOR), english=False)
    assert_counted(store, "login")
    other = {"email": world.b.member.email, "password": world.password}
    assert client.post("/account/login", data=other).status_code == 429, "the same address is held back"


def test_magic_link_requests(client, world, store, smtp_server):
    def ask(**kwargs):
        return client.post("/account/magic", data={"email": world.a.member.email}, **kwargs)

    for _ in range(LIMIT):
        assert ask().status_code == 200
    assert_refused(ask())
    assert_refused(ask(**DUTCH_VISITOR), english=False)
    assert_counted(store, "magic_link")


def _invitations(tenant) -> int:
    with tenant_scope(tenant):
        return db.session.scalar(select(func.count()).select_from(Invitation))


def test_member_invitations(client, world, login_as, store):
    login_as(world.a.admin)
    before_b = _invitations(world.b.tenant)

    def invite(number):
        data = {"email": f"nieuw{number}@example.com", "role": "member"}
        return client.post("/kring-a/admin/people/invite", data=data)

    for number in range(LIMIT):
        assert invite(number).status_code == 302
    assert_refused(invite(99))
    in_dutch(client)
    assert_refused(invite(98), english=False)
    assert _invitations(world.a.tenant) == LIMIT, "a refused invitation is not made"
    assert_counted(store, "invitations")
    login_as(world.b.admin)
    assert (
        client.post(
            "/kring-b/admin/people/invite", data={"email": "b@example.com", "role": "member"}
        ).status_code
        == 302
    )
    assert _invitations(world.b.tenant) == before_b + 1, "B's admin has a budget of their own"


def test_chair_invitations_existing_and_new_share_one_budget(client, world, login_as, store):
    from tests.networks.conftest import Networks
    from tests.tenants.test_affiliations import _tenant_with_admin

    region, admin = _tenant_with_admin("cleantech", "Cleantech Regio", "region", world.password)
    db.session.commit()
    net = Networks(region, admin, None, None)
    login_as(net.admin)

    def invite_existing(member):
        data = {"chair_name": "Harold Viscaal", "chair_email": f"voorzitter@{member.slug}.example.com"}
        return client.post(f"/cleantech/admin/affiliations/chair?member={member.id}", data=data)

    def invite_new(number):
        data = {
            "name": f"Kring Nieuw {number}",
            "slug": f"kring-nieuw-{number}",
            "municipality": "Eindhoven",
            "chair_name": "Harold Viscaal",
            "chair_email": f"voorzitter{number}@example.com",
        }
        return client.post("/cleantech/admin/affiliations/new", data=data)

    assert invite_existing(world.a.tenant).status_code == 302
    assert invite_existing(world.b.tenant).status_code == 302
    assert invite_new(1).status_code == 302
    assert_refused(invite_new(2))
    in_dutch(client)
    assert_refused(invite_existing(world.a.tenant), english=False)
    with unscoped("test: count the network's invitations"):
        assert db.session.scalar(select(func.count()).select_from(NetworkInvitation)) == LIMIT
    assert_counted(store, "invitations")


def test_guest_event_sign_ups(client, world, store, smtp_server):
    from plugins.events.models import Audience, Registration
    from tests.plugins.events.conftest import make_event

    for side in (world.a, world.b):
        enable_plugin(side.tenant, "events")
    db.session.commit()
    start = utcnow() + timedelta(days=14)
    event_id = make_event(world.a.tenant, title="Open dag", audience=Audience.PUBLIC, starts_at=start)

    def sign_up(number, **kwargs):
        data = {"name": f"Gast {number}", "email": f"gast{number}@example.nl"}
        return client.post(f"/kring-a/events/{event_id}/signup", data=data, **kwargs)

    for number in range(LIMIT):
        assert sign_up(number).status_code == 200
    assert_refused(sign_up(99))
    in_dutch(client)  # the tenant's own language (English here) comes before the browser's
    assert_refused(sign_up(98), english=False)
    with tenant_scope(world.a.tenant):
        assert db.session.scalar(select(func.count()).select_from(Registration)) == LIMIT
    with tenant_scope(world.b.tenant):
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    assert_counted(store, "events.guest_signup")


def test_stripe_webhook(client, world, store):
    def deliver(**kwargs):
        return client.post("/stripe/webhook", data=b"{}", content_type="application/json", **kwargs)

    for _ in range(LIMIT):
        assert deliver().status_code == 404  # billing is off here: counted before anything else
    assert_refused(deliver())
    assert_refused(deliver(**DUTCH_VISITOR), english=False)
    assert_counted(store, "stripe.webhook")
