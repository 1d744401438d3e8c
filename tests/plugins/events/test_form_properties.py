"""Property test of the event form: whatever an organiser (or a fuzzer) types, the form
answers 303 with a valid event or 422 with the errors (400 for control characters, the
core's refusal), never a server error, and a saved
event always ends after it starts, has at least one seat or no limit, and stays in tenant
A (tenant B's calendar never gains it)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.events.models import Audience, Event

TEXT = st.text(max_size=300)
WHEN = st.one_of(
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    st.sampled_from(["", "2027-03-29T02:30", "2027-10-31T02:30", "31-12-2027 10:00", "morgen"]),
    TEXT,
)
FORM = st.fixed_dictionaries(
    {
        "title": TEXT,
        "description": TEXT,
        "starts_at": WHEN,
        "ends_at": WHEN,
        "venue": TEXT,
        "online_url": st.one_of(TEXT, st.just("https://example.nl/live")),
        "organiser": TEXT,
        "partners": TEXT,
        "capacity": st.one_of(st.integers(min_value=-5, max_value=10**12).map(str), TEXT),
        "signup_deadline": WHEN,
        "audience": st.one_of(st.sampled_from([a.value for a in Audience]), TEXT),
        "questions": TEXT,
    }
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(form=FORM)
def test_the_event_form_never_breaks_and_saves_only_sound_events(events_world, login_as, form):
    client = login_as(events_world.a.admin)
    response = client.post("/kring-a/events/new", data=form)
    # 400: the core refuses control characters before any view runs.
    assert response.status_code in (303, 400, 422), response.status_code
    with tenant_scope(events_world.a.tenant):
        for event in db.session.query(Event):
            assert event.ends_at > event.starts_at
            assert event.capacity is None or event.capacity >= 1
            assert event.signup_deadline is None or event.signup_deadline <= event.ends_at
            assert len(event.questions) <= 10
    with tenant_scope(events_world.b.tenant):
        assert db.session.query(Event).count() == 0
