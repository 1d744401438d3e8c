"""The ``theme_interest`` hook: closed polls give per theme how many companies want to
cooperate, as aggregates; a poll below the small-group minimum gives no counts; open
polls and another plugin's source keys give nothing; tenant B's polls stay out of A's
answer and the other way round."""

from __future__ import annotations

import pytest

from kringwerk.extensions import db, utcnow
from kringwerk.pluginhost.gating import collect, hooks
from kringwerk.tenancy import tenant_scope
from plugins.polls.models import Poll, PollState
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_results import THEMES, add_response, invite, items

pytestmark = pytest.mark.both_databases

LEVELS = {  # theme 1: four interested; theme 2: two; theme 3: nobody
    "Alpha Bouw BV": [2, 1, 0],
    "Bakkerij Berends": [2, 0, 0],
    "Chemie Colmschate": [1, 1, 0],
    "Drukkerij De Wit": [1, None, 0],
    "Elektro Eefde": [0, 0, 0],
}


def _close(tenant, poll_id):
    with tenant_scope(tenant):
        poll = db.session.get(Poll, poll_id)
        poll.state, poll.closed_at = PollState.CLOSED, utcnow()
        db.session.commit()


def _ask(tenant, source=None):
    with tenant_scope(tenant):
        return collect(hooks(tenant).theme_interest(tenant=tenant, source=source))


@pytest.fixture
def closed(polls_world):
    pw = polls_world
    poll_a = make_poll(pw.a.tenant, title="Samenwerken 2026")
    for name, values in LEVELS.items():
        add_response(pw.a.tenant, poll_a, {THEMES: values}, company_id=pw.company_ids[name])
    _close(pw.a.tenant, poll_a)
    poll_b = make_poll(pw.b.tenant, title="Poll of tenant B")
    add_response(pw.b.tenant, poll_b, {THEMES: [2, 2, 2]}, company_id=pw.b_company_id)
    _close(pw.b.tenant, poll_b)
    return pw, poll_a, poll_b


def test_a_closed_poll_gives_interest_per_theme(closed):
    pw, poll_a, poll_b = closed
    themes = items(pw.a.tenant, poll_a)[THEMES]["theme_ids"]
    found = _ask(pw.a.tenant)
    assert [item.source for item in found] == [f"polls:{poll_a}"]
    (interest,) = found
    assert interest.label == "Samenwerken 2026"
    assert interest.respondents == 5
    assert not interest.withheld
    assert dict(interest.counts) == {themes[0]: 4, themes[1]: 2, themes[2]: 0}
    assert interest.closed_on is not None
    # Asked by key, the same; tenant B's poll is not found from A, nor another plugin's key.
    assert _ask(pw.a.tenant, f"polls:{poll_a}") == found
    assert _ask(pw.a.tenant, f"polls:{poll_b}") == []
    assert _ask(pw.a.tenant, f"events:{poll_a}") == []
    assert _ask(pw.a.tenant, "polls:99999999999999") == []


def test_a_group_below_the_minimum_gives_no_counts(closed):
    pw, poll_a, poll_b = closed
    (interest,) = _ask(pw.b.tenant)
    assert interest.source == f"polls:{poll_b}"
    assert interest.respondents == 1
    assert interest.withheld and dict(interest.counts) == {}


def test_an_anonymous_poll_with_few_invited_gives_no_counts(polls_world):
    pw = polls_world
    poll = make_poll(pw.a.tenant, title="Anoniem", anonymous=True)
    for values in LEVELS.values():
        add_response(pw.a.tenant, poll, {THEMES: values})
    invite(pw.a.tenant, poll, pw.contact_ids["anna@alpha.test"], None, "anna@alpha.test", True)
    _close(pw.a.tenant, poll)
    (interest,) = _ask(pw.a.tenant)
    assert interest.respondents == 5 and interest.withheld and dict(interest.counts) == {}


def test_open_polls_and_disabled_polls_give_nothing(polls_world):
    from kringwerk.pluginhost.services import disable_plugin

    pw = polls_world
    poll = make_poll(pw.a.tenant)
    for name, values in LEVELS.items():
        add_response(pw.a.tenant, poll, {THEMES: values}, company_id=pw.company_ids[name])
    assert _ask(pw.a.tenant) == []  # still open
    _close(pw.a.tenant, poll)
    assert len(_ask(pw.a.tenant)) == 1
    disable_plugin(pw.a.tenant, "polls")
    db.session.commit()
    assert _ask(pw.a.tenant) == []
