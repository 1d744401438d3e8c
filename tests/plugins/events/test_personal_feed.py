"""A person's own calendar feed: what they signed up for in every tenant, behind a personal
link made by POST (a new link stops the old one). Another tenant's address, or someone
else's sign-ups, never show through it."""

from __future__ import annotations

import re

from icalendar import Calendar

from kringwerk.accounts.models import Role
from kringwerk.accounts.people import add_membership
from kringwerk.extensions import db
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.events import signup
from plugins.events.models import Audience, Event
from tests.plugins.events.conftest import make_event, member


def _sign_up(tenant, event_id, visitor):
    with tenant_scope(tenant):
        signup.sign_up(db.session.get(Event, event_id), visitor)
        db.session.commit()


def test_my_feed_lists_my_sign_ups_across_tenants(events_world, client, login_as):
    a, b = events_world.a, events_world.b
    # The same person is a member of both tenants; B's admin signs up for B's event too.
    with tenant_scope(b.tenant):
        add_membership(b.tenant, a.member, Role.MEMBER)
        db.session.commit()
    in_a = make_event(a.tenant, title="Energiecafé in Kring A")
    in_b = make_event(b.tenant, title="Netwerkborrel in Kring B", audience=Audience.PUBLIC)
    not_mine = make_event(a.tenant, title="Ledenvergadering")
    _sign_up(a.tenant, in_a, member(a.member))
    _sign_up(b.tenant, in_b, member(a.member))
    _sign_up(a.tenant, not_mine, member(a.admin))
    enable_plugin(b.tenant, "events")

    login_as(a.member)
    assert client.get("/kring-a/events/my-feed").status_code == 200
    page = client.post("/kring-a/events/my-feed").get_data(as_text=True)
    link = re.search(r'value="(http[^"]+calendar\.ics\?token=[^"]+)"', page).group(1)
    path = link.removeprefix("http://localhost")
    client.post("/account/logout")
    feed = Calendar.from_ical(client.get(path).data)
    assert sorted(str(e["SUMMARY"]) for e in feed.walk("VEVENT")) == [
        "Energiecafé in Kring A",
        "Netwerkborrel in Kring B",
    ]
    urls = {str(e["URL"]) for e in feed.walk("VEVENT")}
    assert urls == {f"http://localhost/kring-a/events/{in_a}", f"http://localhost/kring-b/events/{in_b}"}
    # The link belongs to tenant A: through B's address it finds nothing.
    assert client.get(path.replace("/kring-a/", "/kring-b/")).status_code == 404
    assert client.get("/kring-a/events/calendar.ics?token=nonsense").status_code == 404
    # A new link stops the old one.
    login_as(a.member)
    client.post("/kring-a/events/my-feed")
    client.post("/account/logout")
    assert client.get(path).status_code == 404
