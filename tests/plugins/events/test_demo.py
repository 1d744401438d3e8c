"""``kringwerk demo`` fills the calendars (seeds 003 and 004): Cleantech Regio's network
meetings (one of 150 seats nearly full, one full with a waiting list) that its member
IKL's people see, MKB-LV's year with its municipality, and IKL's follow-up meeting; a
second run adds nothing, and no demo event reaches a tenant outside the network."""

from __future__ import annotations

from sqlalchemy import func, select

from kringwerk.demo.data import DEMO_PASSWORD
from kringwerk.demo.services import load_demo
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Tenant
from plugins.events.models import Event, Registration, RegistrationStatus


def _tenant(slug):
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def _counts(tenant, title):
    with tenant_scope(tenant):
        event = db.session.scalar(select(Event).where(Event.title == title))
        rows = dict(
            db.session.execute(
                select(Registration.status, func.count())
                .where(Registration.event_id == event.id)
                .group_by(Registration.status)
            ).all()
        )
        return event.capacity, event.seats_taken, rows


def test_demo_calendars(app, world, client):
    load_demo()
    cleantech, mkb_lv, ikl = _tenant("cleantech-regio"), _tenant("mkb-lv"), _tenant("ikl")
    assert _counts(cleantech, "Themabijeenkomst circulair ondernemen") == (
        150,
        143,
        {RegistrationStatus.CONFIRMED: 143},
    )
    assert _counts(cleantech, "Werkgevers en talent in de Stedendriehoek") == (
        40,
        40,
        {RegistrationStatus.CONFIRMED: 40, RegistrationStatus.WAITING: 6},
    )
    with tenant_scope(mkb_lv):
        titles = set(db.session.scalars(select(Event.title)))
    assert {"MKB Regio Event", "Netwerkbijeenkomst Back to School", "Dag van de Ondernemer"} <= titles
    with tenant_scope(ikl):
        assert db.session.scalar(select(Event.title)) == "Themabijeenkomst energie op Aalsvoort"
    load_demo()
    with tenant_scope(cleantech):
        assert db.session.scalar(select(func.count(Event.id))) == 2
    # IKL's entrepreneur sees the network's meetings in IKL's own calendar.
    response = client.post(
        "/account/login", data={"email": "ondernemer@kringwerk.demo", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    page = client.get("/ikl/events/").get_data(as_text=True)
    assert "Themabijeenkomst circulair ondernemen" in page and "Werkgevers en talent" in page
    assert "Themabijeenkomst energie op Aalsvoort" in page
    assert client.get("/mkb-lv/events/").status_code == 200  # a visitor there: the public events only
    # The world's tenants got nothing.
    for side in (world.a, world.b):
        with tenant_scope(side.tenant):
            assert db.session.scalar(select(func.count(Event.id))) == 0
