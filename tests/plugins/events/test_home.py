"""The tenant home: a member sees the upcoming events they signed up for (or a seat to
confirm); a visitor sees the public calendar among the public pages. Tenant B's home shows
none of tenant A's events."""

from __future__ import annotations

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.events import signup
from plugins.events.models import Event
from tests.plugins.events.conftest import make_event, member


def test_my_events_on_the_home_and_the_public_calendar_for_visitors(events_world, client, login_as):
    a = events_world.a
    event_id = make_event(a.tenant, title="Themabijeenkomst mobiliteit", capacity=10)
    make_event(a.tenant, title="Ledenavond zonder mij")
    with tenant_scope(a.tenant):
        signup.sign_up(db.session.get(Event, event_id), member(a.member))
        db.session.commit()
    visitor = client.get("/kring-a/").get_data(as_text=True)
    assert "The public events on the annual calendar, with sign-up." in visitor
    home = login_as(a.member).get("/kring-a/").get_data(as_text=True)
    assert "Themabijeenkomst mobiliteit" in home and "You are signed up." in home
    assert "Ledenavond zonder mij" not in home
    client.post("/account/logout")
    b_home = login_as(events_world.b.member).get("/kring-b/").get_data(as_text=True)
    assert "Themabijeenkomst mobiliteit" not in b_home
