"""After the event, the attendee page offers what other plugins answer to
``attendance_followups`` (the polls plugin is to offer an evaluation poll; here a test-only
plugin stands in): the button POSTs the addresses of the people who came. Before the
event nothing is offered, and tenant B's organisers see none of it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from kringwerk.extensions import db, utcnow
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.events import signup
from plugins.events.models import Event, Registration
from tests.conftest import TEST_PLUGINS, base_config
from tests.plugins.events.conftest import make_event, member
from tests.plugins.events.evaluation_plugin import RECEIVED


@pytest.fixture
def app_config(tmp_path, database_url) -> dict:
    return base_config(
        tmp_path, database_url, EXTRA_PLUGINS=(*TEST_PLUGINS, "tests.plugins.events.evaluation_plugin")
    )


def test_the_people_who_came_are_offered_to_an_evaluation(events_world, login_as):
    a = events_world.a
    for side in (a, events_world.b):
        enable_plugin(side.tenant, "evaluation")
    db.session.commit()
    event_id = make_event(a.tenant, capacity=10)
    with tenant_scope(a.tenant):
        event = db.session.get(Event, event_id)
        for person in (a.member, a.admin, a.facilitator):
            signup.sign_up(event, member(person))
        db.session.commit()
    admin = login_as(a.admin)
    before = admin.get(f"/kring-a/events/{event_id}/attendees").get_data(as_text=True)
    assert "Send an evaluation poll" not in before  # not over yet
    with tenant_scope(a.tenant):
        event = db.session.get(Event, event_id)
        event.starts_at, event.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
        for registration in db.session.query(Registration).filter(Registration.user_id != a.facilitator.id):
            registration.checked_in_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    page = admin.get(f"/kring-a/events/{event_id}/attendees").get_data(as_text=True)
    assert "Send an evaluation poll" in page and "2 people attended." in page
    form = page[page.index('action="/kring-a/evaluation/from-attendance"') :]
    emails = re.findall(r'name="emails" value="([^"]+)"', form.split("</form>")[0])
    assert sorted(emails) == sorted([a.member.email, a.admin.email])  # the facilitator did not come
    RECEIVED.clear()
    assert (
        admin.post(
            "/kring-a/evaluation/from-attendance", data={"event_id": str(event_id), "emails": emails}
        ).status_code
        == 200
    )
    assert RECEIVED[0]["emails"] == emails
    assert login_as(events_world.b.admin).get(f"/kring-a/events/{event_id}/attendees").status_code == 404
