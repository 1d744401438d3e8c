"""The network scope: people of an association with an active affiliation reach the
regional network with their own login; everyone else gets 404 on what it opens to
its associations. The network reads its active members' figures as aggregates only.

Two networks and three associations: Kring A (the world's tenant A) is an active
member of Cleantech Regio, Kring B (tenant B) left it, Kring C is a member of Regio
Noord. The test-only plugin ``regional`` opens a page and a card to the associations
and reports a figure per member, as events and the agenda will.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import event

from kringwerk.accounts.models import Role
from kringwerk.accounts.people import add_membership
from kringwerk.accounts.services import create_user
from kringwerk.extensions import db
from kringwerk.members.models import Company
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy.context import tenant_scope
from kringwerk.tenants import affiliations as rules
from kringwerk.tenants.network import MemberFigures, NetworkFigure, network_access, network_figures
from kringwerk.tenants.services import create_tenant
from tests.conftest import TEST_PLUGINS, base_config

PLUGIN = "tests.tenants.network_plugin"


@pytest.fixture
def app_config(tmp_path, database_url) -> dict:
    return base_config(tmp_path, database_url, EXTRA_PLUGINS=(*TEST_PLUGINS, PLUGIN))


@dataclass
class Regions:
    cleantech: object
    cleantech_admin: object
    noord: object
    noord_admin: object
    kring_c: object
    kring_c_member: object


def _tenant_with(slug, name, kind, role, password):
    tenant = create_tenant(slug, name, kind, default_locale="en")
    user = create_user(f"{role.value}@{slug}.example.com", f"{role.label} {name}", password=password)
    db.session.flush()
    with tenant_scope(tenant):
        add_membership(tenant, user, role)
        db.session.flush()
    return tenant, user


def _companies(tenant, sizes):
    with tenant_scope(tenant):
        for number, employees in enumerate(sizes):
            db.session.add(Company(name=f"{tenant.name} bedrijf {number}", employees=employees))
        db.session.flush()


def join(network, member, *, actor):
    affiliation_id = rules.invite(network, member, actor=actor).id
    db.session.commit()
    with tenant_scope(member):
        rules.accept(member, rules.member_affiliation(member, affiliation_id), actor=actor)
    db.session.commit()
    return affiliation_id


def leave(member, affiliation_id, *, actor):
    with tenant_scope(member):
        rules.leave(member, rules.member_affiliation(member, affiliation_id), actor=actor)
    db.session.commit()


@pytest.fixture
def regions(world):
    cleantech, cleantech_admin = _tenant_with(
        "cleantech", "Cleantech Regio", "region", Role.ADMIN, world.password
    )
    noord, noord_admin = _tenant_with("regio-noord", "Regio Noord", "region", Role.ADMIN, world.password)
    kring_c, kring_c_member = _tenant_with("kring-c", "Kring C", "association", Role.MEMBER, world.password)
    _companies(world.a.tenant, [3, 60, 120])  # two large
    _companies(world.b.tenant, [70, 80, 90, 5, 5])
    _companies(kring_c, [55, 1, 2, 3])
    for tenant in (cleantech, noord, world.a.tenant, world.b.tenant, kring_c):
        enable_plugin(tenant, "regional")
    db.session.commit()
    join(cleantech, world.a.tenant, actor=cleantech_admin)
    leave(world.b.tenant, join(cleantech, world.b.tenant, actor=cleantech_admin), actor=world.b.admin)
    join(noord, kring_c, actor=noord_admin)
    return Regions(cleantech, cleantech_admin, noord, noord_admin, kring_c, kring_c_member)


@contextmanager
def count_queries():
    statements: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)


def access(app, user, tenant):
    """``network_access`` as a fresh request sees it (its per-request cache starts empty)."""
    with app.app_context(), tenant_scope(tenant):
        return network_access(user, tenant)


# --- the rule, without HTTP -------------------------------------------------------------------


@pytest.mark.both_databases
def test_only_an_active_affiliation_reaches_the_network(app, world, regions):
    reached = access(app, world.a.member, regions.cleantech)
    assert reached is not None
    assert reached.network_id == regions.cleantech.id
    assert [(v.tenant_id, v.name, v.role) for v in reached.via] == [
        (world.a.tenant.id, "Kring A", Role.MEMBER)
    ]
    assert reached.names == "Kring A"
    # Every role of an affiliated association counts, not only entrepreneurs.
    assert access(app, world.a.admin, regions.cleantech).via[0].role == Role.ADMIN

    assert access(app, world.a.member, regions.noord) is None  # another network
    assert access(app, world.b.member, regions.cleantech) is None  # Kring B left
    assert access(app, regions.kring_c_member, regions.cleantech) is None  # not affiliated
    assert access(app, world.outsider, regions.cleantech) is None  # no association at all
    assert access(app, regions.kring_c_member, regions.noord).names == "Kring C"
    # Only a regional network has a network scope; an association is no network.
    assert access(app, world.a.member, world.b.tenant) is None
    assert access(app, regions.cleantech_admin, world.a.tenant) is None


def test_an_open_invitation_and_leaving_close_the_network(app, world, regions):
    kring_d, kring_d_member = _tenant_with("kring-d", "Kring D", "association", Role.MEMBER, world.password)
    rules.invite(regions.cleantech, kring_d, actor=regions.cleantech_admin)
    db.session.commit()
    assert access(app, kring_d_member, regions.cleantech) is None  # invited, not joined

    affiliation = rules.member_affiliations(world.a.tenant)[0]
    leave(world.a.tenant, affiliation.id, actor=world.a.admin)
    assert access(app, world.a.member, regions.cleantech) is None


def test_access_is_one_query_per_request(app, world, regions):
    for user in (world.a.member, world.b.member):
        assert user.active  # loaded now (the commit expired them), so only the look-ups are counted
    with app.app_context(), tenant_scope(regions.cleantech), count_queries() as statements:
        assert network_access(world.a.member, regions.cleantech) is not None
        assert network_access(world.a.member, regions.cleantech) is not None
        assert network_access(world.b.member, regions.cleantech) is None
    assert len(statements) == 2  # one per user, the second call came from the cache


# --- the pages ----------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_an_affiliated_entrepreneur_reaches_the_network_home_and_its_pages(world, regions, login_as):
    client = login_as(world.a.member)

    home = client.get("/cleantech/")
    assert home.status_code == 200
    page = home.get_data(as_text=True)
    assert "Cleantech Regio" in page
    assert "through Kring A" in page
    assert "You are not a member" not in page
    assert "Agenda card of Cleantech Regio" in page  # what the network opens, through the hook
    assert "Kring A" in page and "Kring B" not in page  # active members only

    agenda = client.get("/cleantech/regional/agenda")
    assert (agenda.status_code, agenda.get_data(as_text=True)) == (200, "Regional agenda of Cleantech Regio")

    # The network scope opens what the network opens, not the network's member pages.
    assert client.get("/cleantech/members/").status_code == 404
    assert client.get("/cleantech/admin/").status_code == 404

    # Another network: its pages answer 404, its home is the public page every visitor gets.
    assert client.get("/regio-noord/regional/agenda").status_code == 404
    other = client.get("/regio-noord/").get_data(as_text=True)
    assert "You are not a member of Regio Noord" in other
    assert "Agenda card" not in other

    # The association next door is no network either.
    assert client.get("/kring-b/regional/agenda").status_code == 404


@pytest.mark.both_databases
def test_a_left_association_a_stranger_and_an_anonymous_visitor_get_404(world, regions, client, login_as):
    # A visitor is asked to sign in before any plugin page is looked at, whatever its
    # address, so the redirect tells nothing about what exists.
    anonymous = client.get("/cleantech/regional/agenda")
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
    assert client.get("/cleantech/regional/no-such-page/").status_code == 404
    public = client.get("/cleantech/").get_data(as_text=True)  # the public page, with sign-in
    assert "Sign in" in public and "Agenda card" not in public

    for user in (world.b.member, regions.kring_c_member, world.outsider):
        client = login_as(user)
        assert client.get("/cleantech/regional/agenda").status_code == 404, user.email
        home = client.get("/cleantech/").get_data(as_text=True)
        assert "You are not a member of Cleantech Regio" in home, user.email
        assert "Agenda card" not in home
        client.post("/account/logout")


def test_members_of_the_network_itself_keep_their_dashboard(world, regions, login_as):
    client = login_as(regions.cleantech_admin)
    assert client.get("/cleantech/regional/agenda").status_code == 200
    home = client.get("/cleantech/").get_data(as_text=True)
    assert "through Kring" not in home
    # Kring C's entrepreneur reaches Regio Noord, not Kring A's network.
    client.post("/account/logout")
    client = login_as(regions.kring_c_member)
    assert client.get("/regio-noord/regional/agenda").status_code == 200
    assert client.get("/cleantech/regional/agenda").status_code == 404


@pytest.mark.both_databases
def test_a_page_not_opened_to_the_network_stays_with_the_networks_members(world, regions, login_as):
    """The host lets the network scope in only where a view is opened to it
    (``require_member_or_network``); a plugin view that forgot its guard is members-only."""
    client = login_as(world.a.member)  # reaches the network's agenda, as above
    assert client.get("/cleantech/regional/agenda").status_code == 200
    assert client.get("/cleantech/regional/forgotten").status_code == 404
    client.post("/account/logout")
    client = login_as(regions.cleantech_admin)
    assert client.get("/cleantech/regional/forgotten").status_code == 200


@pytest.mark.both_databases
def test_the_host_itself_admits_the_network_scope_only_where_the_view_is_opened(
    app, world, regions, login_as, monkeypatch
):
    """A view marked as opened to the network but without a check of its own: the host
    admits the affiliated association's member and answers 404 to everyone else."""
    from kringwerk.pluginhost.access import open_to_network

    def bare():
        return "opened by the mark alone"

    monkeypatch.setitem(app.view_functions, "regional.forgotten", open_to_network(bare))
    client = login_as(world.a.member)
    assert client.get("/cleantech/regional/forgotten").get_data(as_text=True) == "opened by the mark alone"
    client.post("/account/logout")
    for user in (world.b.member, regions.kring_c_member, world.outsider):
        client = login_as(user)
        assert client.get("/cleantech/regional/forgotten").status_code == 404, user.email
        client.post("/account/logout")


# --- the figures ---------------------------------------------------------------------------------


def figures_of(network):
    with tenant_scope(network):
        return network_figures(network)


@pytest.mark.both_databases
def test_a_network_reads_aggregates_of_its_active_members_only(world, regions, caplog):
    caplog.set_level(logging.DEBUG, logger="kringwerk.tenancy")  # INFO only the first time per process
    figures = figures_of(regions.cleantech)

    assert [(f.name, f.people, f.companies) for f in figures] == [("Kring A", 4, 3)]
    [kring_a] = figures
    assert kring_a.tenant_id == world.a.tenant.id
    # The plugin's figure arrives; the row and the figure of a tenant it was not asked about do not.
    assert [(f.key, f.value) for f in kring_a.figures] == [("regional.large", 2)]
    # Numbers, never rows of the members' tables.
    assert all(type(f) is MemberFigures for f in figures)
    assert all(type(f) is NetworkFigure and isinstance(f.value, int) for f in kring_a.figures)
    # One named crossing for the whole read.
    crossings = [r.getMessage() for r in caplog.records if "unscoped access" in r.getMessage()]
    assert len(crossings) == 1 and "network figures:" in crossings[0]

    assert [(f.name, f.people, f.companies) for f in figures_of(regions.noord)] == [("Kring C", 1, 4)]
    assert [(f.key, f.value) for f in figures_of(regions.noord)[0].figures] == [("regional.large", 1)]
    assert figures_of(world.a.tenant) == []  # an association has no members to read


def test_a_plugin_disabled_in_a_member_adds_no_figures_there(world, regions):
    from kringwerk.pluginhost.services import disable_plugin

    disable_plugin(world.a.tenant, "regional")
    db.session.commit()
    [kring_a] = figures_of(regions.cleantech)
    assert (kring_a.companies, kring_a.figures) == (3, ())


@pytest.mark.both_databases
def test_figures_cost_the_same_queries_for_one_and_three_members(world, regions):
    with tenant_scope(regions.cleantech), count_queries() as one:
        assert len(network_figures(regions.cleantech)) == 1

    for slug, name in (("kring-d", "Kring D"), ("kring-e", "Kring E")):
        tenant, _ = _tenant_with(slug, name, "association", Role.MEMBER, world.password)
        _companies(tenant, [100, 200])
        enable_plugin(tenant, "regional")
        db.session.commit()
        join(regions.cleantech, tenant, actor=regions.cleantech_admin)

    with tenant_scope(regions.cleantech), count_queries() as three:
        figures = network_figures(regions.cleantech)
    assert [(f.name, f.companies, [x.value for x in f.figures]) for f in figures] == [
        ("Kring A", 3, [2]),
        ("Kring D", 2, [2]),
        ("Kring E", 2, [2]),
    ]
    assert len(three) == len(one)
