"""Disabling polls while polls are open asks first, saying how many are open;
the confirmed POST disables it. A tenant without open polls is disabled at once.
Both with and without htmx; tenant B's module stays as it was."""

from __future__ import annotations

import pytest

from kringwerk.extensions import db
from kringwerk.pluginhost import enabled_keys
from kringwerk.pluginhost.gating import forget
from plugins.polls.models import PollState
from tests.conftest import login
from tests.plugins.polls.conftest import make_poll

HTMX = {"HX-Request": "true"}


@pytest.fixture
def operator(polls_world, client):
    login(client, polls_world.world.operator)
    return client


def enabled(tenant) -> bool:
    db.session.expire_all()
    forget(tenant)  # the answer is cached per app context
    return "polls" in enabled_keys(tenant)


def test_open_polls_make_the_operator_confirm(polls_world, operator):
    make_poll(polls_world.a.tenant)
    make_poll(polls_world.a.tenant, title="Second")
    make_poll(polls_world.a.tenant, title="Draft", state=PollState.DRAFT)  # not open: not counted
    make_poll(polls_world.b.tenant)
    url = f"/operator/tenants/{polls_world.a.tenant.id}/plugins/polls"

    asked = operator.post(url, data={"enabled": "0"})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "2 polls are open" in page
    assert 'name="confirmed" value="1"' in page
    assert enabled(polls_world.a.tenant)  # nothing changed yet

    fragment = operator.post(url, data={"enabled": "0"}, headers=HTMX).get_data(as_text=True)
    assert "2 polls are open" in fragment and "<html" not in fragment
    assert enabled(polls_world.a.tenant)

    done = operator.post(url, data={"enabled": "0", "confirmed": "1"})
    assert done.status_code == 302
    assert not enabled(polls_world.a.tenant)
    assert enabled(polls_world.b.tenant)  # B's polls untouched


def test_without_open_polls_it_is_disabled_at_once(polls_world, operator):
    make_poll(polls_world.a.tenant, state=PollState.CLOSED)
    make_poll(polls_world.b.tenant)  # B's open poll does not count for A
    url = f"/operator/tenants/{polls_world.a.tenant.id}/plugins/polls"
    assert operator.post(url, data={"enabled": "0"}).status_code == 302
    assert not enabled(polls_world.a.tenant)
    assert enabled(polls_world.b.tenant)
