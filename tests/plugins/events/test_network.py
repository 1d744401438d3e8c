"""Network-wide events (seed 003: eleven associations run joint theme meetings open to
all their members). Cleantech Regio's calendar shows its own events and the network-wide
events of its active member associations, labelled by organiser; an association's
calendar shows the network's events open to it. People of an active member association
sign up with their own login; Kring B, which left the network, reaches none of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from kringwerk.accounts.models import Role
from kringwerk.accounts.people import add_membership
from kringwerk.accounts.services import create_user
from kringwerk.extensions import db, utcnow
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from kringwerk.tenants import affiliations as rules
from kringwerk.tenants.network import network_figures
from kringwerk.tenants.services import create_tenant
from plugins.events.models import Audience, Event, Registration, RegistrationStatus
from plugins.events.services import LOCAL, local
from tests.plugins.events.conftest import make_event


@dataclass
class Network:
    cleantech: object
    cleantech_admin: object
    kring_c: object
    kring_c_member: object


def _tenant(slug, name, kind, role, password):
    tenant = create_tenant(slug, name, kind, default_locale="en")
    user = create_user(f"{role.value}@{slug}.example.com", f"{role.label} {name}", password=password)
    db.session.flush()
    with tenant_scope(tenant):
        add_membership(tenant, user, role)
        db.session.flush()
    return tenant, user


def _join(network, member, actor):
    affiliation_id = rules.invite(network, member, actor=actor).id
    db.session.commit()
    with tenant_scope(member):
        rules.accept(member, rules.member_affiliation(member, affiliation_id), actor=actor)
    db.session.commit()
    return affiliation_id


@pytest.fixture
def network(events_world):
    world = events_world
    cleantech, admin = _tenant("cleantech", "Cleantech Regio", "region", Role.ADMIN, world.password)
    kring_c, c_member = _tenant("kring-c", "Kring C", "association", Role.MEMBER, world.password)
    for tenant in (cleantech, kring_c):
        enable_plugin(tenant, "events")
    db.session.commit()
    _join(cleantech, world.a.tenant, admin)
    _join(cleantech, kring_c, admin)
    left = _join(cleantech, world.b.tenant, admin)
    with tenant_scope(world.b.tenant):
        rules.leave(world.b.tenant, rules.member_affiliation(world.b.tenant, left), actor=world.b.admin)
    db.session.commit()
    return Network(cleantech, admin, kring_c, c_member)


@pytest.mark.both_databases
def test_a_network_theme_meeting_is_open_to_its_active_associations_only(events_world, network, login_as):
    meeting = make_event(
        network.cleantech, title="Zomerborrel Paleis Het Loo", audience=Audience.NETWORK, capacity=150
    )
    members_only = make_event(network.cleantech, title="Bestuursoverleg")
    a_member = login_as(events_world.a.member)
    calendar = a_member.get("/cleantech/events/").get_data(as_text=True)
    assert "Zomerborrel Paleis Het Loo" in calendar and "Bestuursoverleg" not in calendar
    assert a_member.get(f"/cleantech/events/{members_only}").status_code == 404
    response = a_member.post(f"/cleantech/events/{meeting}/signup", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "You are signed up." in response.get_data(as_text=True)
    with tenant_scope(network.cleantech):
        registration = db.session.query(Registration).one()
        assert (registration.status, registration.via) == (RegistrationStatus.CONFIRMED, "Kring A")
    b_member = login_as(events_world.b.member)  # Kring B left the network
    assert b_member.get(f"/cleantech/events/{meeting}").status_code == 404
    assert b_member.post(f"/cleantech/events/{meeting}/signup").status_code == 404
    assert "Zomerborrel" not in b_member.get("/cleantech/events/").get_data(as_text=True)
    # The association's own calendar lists the network's meeting open to it.
    assert "Zomerborrel Paleis Het Loo" in login_as(events_world.a.member).get("/kring-a/events/").get_data(
        as_text=True
    )
    assert "Zomerborrel" not in login_as(events_world.b.member).get("/kring-b/events/").get_data(as_text=True)


@pytest.mark.both_databases
def test_the_network_calendar_shows_members_network_events_by_organiser(events_world, network, login_as):
    make_event(events_world.a.tenant, title="Energiecafé Kring A", audience=Audience.NETWORK)
    make_event(events_world.a.tenant, title="Ledenvergadering Kring A")  # members only: stays home
    make_event(events_world.b.tenant, title="Netwerkavond Kring B", audience=Audience.NETWORK)  # B left
    page = login_as(network.cleantech_admin).get("/cleantech/events/").get_data(as_text=True)
    assert "Energiecafé Kring A" in page and "Organised by Kring A" in page
    assert "/kring-a/events/" in page
    assert "Ledenvergadering" not in page and "Netwerkavond Kring B" not in page
    # Kring C's member, a peer in the network, opens Kring A's network-wide event and signs up there.
    c_member = login_as(network.kring_c_member)
    page = c_member.get("/kring-a/events/").get_data(as_text=True)
    assert "Energiecafé Kring A" in page and "Ledenvergadering" not in page
    with tenant_scope(events_world.a.tenant):
        event_id = db.session.query(Event.id).filter_by(title="Energiecafé Kring A").scalar()
        members_only = db.session.query(Event.id).filter_by(title="Ledenvergadering Kring A").scalar()
    assert c_member.get(f"/kring-a/events/{members_only}").status_code == 404
    assert c_member.post(f"/kring-a/events/{event_id}/signup").status_code == 200
    with tenant_scope(events_world.a.tenant):
        assert db.session.query(Registration).one().via == "Kring C"
    # ...and cancels there too, after the confirmation page.
    assert c_member.get(f"/kring-a/events/{event_id}/cancel").status_code == 200
    assert c_member.post(f"/kring-a/events/{event_id}/cancel").status_code == 303
    with tenant_scope(events_world.a.tenant):
        assert db.session.query(Registration).one().status == RegistrationStatus.CANCELLED
    assert c_member.post("/kring-a/events/my-feed").status_code == 200  # a feed of their own sign-ups
    b_member = login_as(events_world.b.member)
    assert b_member.get(f"/kring-a/events/{event_id}").status_code == 404
    assert b_member.get(f"/kring-a/events/{event_id}/cancel").status_code == 404
    assert b_member.post("/kring-a/events/my-feed").status_code == 404


def test_the_network_reads_its_members_event_figures_as_aggregates(events_world, network):
    this_year = datetime(local(utcnow()).year, 6, 1, 12, 0, tzinfo=LOCAL)
    make_event(events_world.a.tenant, title="Energiecafé", starts_at=this_year, seats_taken=12, capacity=20)
    make_event(events_world.a.tenant, title="Ledenavond", starts_at=this_year, seats_taken=3)
    make_event(
        events_world.a.tenant, title="Vorig jaar", starts_at=this_year.replace(year=this_year.year - 1)
    )
    make_event(events_world.b.tenant, title="Kring B (left the network)", starts_at=this_year, seats_taken=40)
    with tenant_scope(network.cleantech):
        found = {member.slug: member for member in network_figures(network.cleantech)}
    assert set(found) == {"kring-a", "kring-c"}  # Kring B left
    assert {figure.key: figure.value for figure in found["kring-a"].figures} == {
        "events.this_year": 2,
        "events.seats_taken": 15,
    }
    assert found["kring-c"].figures == ()
