"""A read-only events plugin (billing on, events outside the tenant's plan) keeps its pages but
leaves out the actions the guard would refuse: "New event", the form, edit, publish, copy,
cancel and sign-up. A POST is still refused. Tenant B, whose plan includes events, keeps them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kringwerk.billing import services
from kringwerk.extensions import db
from kringwerk.pluginhost.models import TenantPlugin
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.events.models import Event, EventState
from tests.conftest import base_config
from tests.plugins.events.conftest import make_event
from tests.support.stripe_standin import SECRET_KEY, WEBHOOK_SECRET, StandInServer

PLANS = {
    "default_plan": "free",
    "plans": [
        {"key": "free", "name": "Free", "price_month": 0, "price_year": 0, "plugins": []},
        {"key": "pro", "name": "Pro", "price_month": 10, "price_year": 100, "plugins": ["events"]},
    ],
}


@pytest.fixture
def app_config(tmp_path, database_url):
    with StandInServer() as standin:
        yield base_config(
            tmp_path,
            database_url,
            STRIPE_SECRET_KEY=SECRET_KEY,
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            STRIPE_API_BASE=standin.url,
            BILLING_PLANS=PLANS,
        )


@pytest.fixture
def paying_b(world):
    """Events enabled in both (in A before billing was switched on); A is on the free plan, so
    its events are read-only; B has Pro, which includes events."""
    with tenant_scope(world.a.tenant):
        db.session.add(TenantPlugin(key="events", settings={}))
        db.session.flush()
    services.comp_plan(world.b.tenant, "pro", actor=world.operator)
    db.session.commit()
    enable_plugin(world.b.tenant, "events")
    db.session.commit()
    return world


@pytest.mark.both_databases
def test_read_only_events_hide_their_actions_and_still_refuse_a_post(paying_b, login_as):
    a, b = paying_b.a, paying_b.b
    a_event = make_event(a.tenant, state=EventState.DRAFT)
    b_event = make_event(b.tenant, state=EventState.DRAFT)

    client = login_as(a.admin)
    index = client.get(f"/{a.tenant.slug}/events/").get_data(as_text=True)
    assert "is read-only" in index
    assert "/events/new" not in index
    page = client.get(f"/{a.tenant.slug}/events/{a_event}").get_data(as_text=True)
    assert "Attendees and waiting list" in page  # reading stays
    for action in (
        f"/events/{a_event}/edit",
        f"/events/{a_event}/publish",
        f"/events/{a_event}/copy",
        "Cancel the event",
    ):
        assert action not in page, action
    form = client.get(f"/{a.tenant.slug}/events/new").get_data(as_text=True)
    assert 'name="title"' not in form and "is read-only" in form
    refused = client.post(f"/{a.tenant.slug}/events/new", data={"title": "Toch een avond"})
    assert refused.status_code == 403
    assert client.post(f"/{a.tenant.slug}/events/{a_event}/publish").status_code == 403
    with tenant_scope(a.tenant):
        assert db.session.scalars(select(Event.title)).all() == ["Themabijeenkomst energie"]
        assert db.session.get(Event, a_event).state == EventState.DRAFT

    client_b = login_as(b.admin)
    b_index = client_b.get(f"/{b.tenant.slug}/events/").get_data(as_text=True)
    assert "/events/new" in b_index and "is read-only" not in b_index
    b_page = client_b.get(f"/{b.tenant.slug}/events/{b_event}").get_data(as_text=True)
    assert f"/events/{b_event}/edit" in b_page and f"/events/{b_event}/publish" in b_page
    assert 'name="title"' in client_b.get(f"/{b.tenant.slug}/events/new").get_data(as_text=True)
    # A's read-only state reaches no further than A: B's admin cannot open A's events at all.
    assert client_b.get(f"/{a.tenant.slug}/events/{a_event}").status_code == 404


@pytest.mark.both_databases
def test_a_member_of_a_read_only_tenant_is_not_offered_a_sign_up(paying_b, login_as):
    a, b = paying_b.a, paying_b.b
    a_event, b_event = make_event(a.tenant), make_event(b.tenant)
    page = login_as(a.member).get(f"/{a.tenant.slug}/events/{a_event}").get_data(as_text=True)
    assert f"/events/{a_event}/signup" not in page
    b_page = login_as(b.member).get(f"/{b.tenant.slug}/events/{b_event}").get_data(as_text=True)
    assert f"/events/{b_event}/signup" in b_page
