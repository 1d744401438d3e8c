"""The network's overview (associations, municipalities, signature dates, numbers of
members, modules in use: aggregates, no rows) and the combined directory, which shows
only the companies of active associations that chose to share, and only public fields."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.members.models import Company
from kringwerk.networks import letters, overview
from kringwerk.networks.models import DirectorySharing
from kringwerk.pluginhost.models import TenantPlugin
from kringwerk.pluginhost.registry import get_registry
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import AffiliationStatus
from kringwerk.tenants import affiliations
from tests.networks.conftest import get_letter, invite, make_letter, typed

# Signing and reading cross from an association into its network: row-level security must agree.
pytestmark = pytest.mark.both_databases


def _company(tenant, name, **values):
    with tenant_scope(tenant):
        db.session.add(
            Company(
                name=name,
                email=f"info@{name.lower()}.example",
                phone="0573-123456",
                kvk_number="12345678",
                **values,
            )
        )
        db.session.commit()


def _accept(member, affiliation_id):
    affiliations.accept(member, affiliations.member_affiliation(member, affiliation_id), actor=None)
    db.session.commit()


def test_the_overview_counts_members_and_shows_signatures(net, world):
    world.a.tenant.municipality = "Lochem"
    db.session.commit()
    invite(net, world.a.tenant)
    invite(net, world.b.tenant)
    letter_id = make_letter(net.region, net.admin)
    letters.sign_for_tenant(
        get_letter(net.region, letter_id),
        world.a.tenant,
        typed(signed_on=date(2026, 7, 3)),
        user=world.a.admin,
        version_number=1,
    )
    db.session.commit()
    _company(world.a.tenant, "Bakkerij")
    with tenant_scope(world.a.tenant):
        db.session.add(TenantPlugin(key="events", enabled=True))
        db.session.commit()
    rows = {row.name: row for row in overview.overview(net.region)}
    a, b = rows["Kring A"], rows["Kring B"]
    assert (a.status, a.municipality, a.signed_on, a.signed_version) == (
        AffiliationStatus.ACTIVE,
        "Lochem",
        date(2026, 7, 3),
        1,
    )
    assert (a.people, a.companies) == (4, 1)
    assert a.plugins == (str(get_registry().get("events").name),)
    # Invited and not signed: no figures yet.
    assert (b.status, b.signed_on, b.people, b.companies) == (AffiliationStatus.INVITED, None, None, None)
    # The other network has nobody.
    assert overview.overview(net.other) == []


def test_sharing_is_off_until_the_board_switches_it_on(net, world):
    assert overview.is_shared(world.a.tenant) is False
    assert overview.set_sharing(world.a.tenant, False, actor=world.a.admin) is False  # nothing to change
    assert overview.set_sharing(world.a.tenant, True, actor=world.a.admin) is True
    db.session.commit()
    assert overview.is_shared(world.a.tenant) is True
    assert overview.is_shared(world.b.tenant) is False
    with tenant_scope(world.b.tenant):
        assert db.session.scalars(select(DirectorySharing)).all() == []


def test_the_combined_directory_holds_only_sharing_active_members(net, world):
    _i, affiliation_a = invite(net, world.a.tenant)
    _i, affiliation_b = invite(net, world.b.tenant)
    _accept(world.a.tenant, affiliation_a)
    _accept(world.b.tenant, affiliation_b)
    _company(
        world.a.tenant, "Aalsvoort Metaal", sector="Metaal", city="Lochem", website="https://metaal.example"
    )
    _company(world.b.tenant, "Brons Bouw", sector="Bouw", city="Zutphen")
    overview.set_sharing(world.a.tenant, True, actor=world.a.admin)
    db.session.commit()
    page = overview.combined_directory(net.region)
    assert [(e.name, e.sector, e.city, e.association) for e in page.items] == [
        ("Aalsvoort Metaal", "Metaal", "Lochem", "Kring A")
    ]
    # The other network sees nothing of Kring A's companies.
    assert overview.combined_directory(net.other).items == []
    # Leaving the network takes the association out of its directory.
    affiliations.leave(
        world.a.tenant, affiliations.member_affiliation(world.a.tenant, affiliation_a), actor=world.a.admin
    )
    db.session.commit()
    assert overview.combined_directory(net.region).items == []


def test_the_pages(net, world, login_as):
    _i, affiliation_a = invite(net, world.a.tenant)
    _accept(world.a.tenant, affiliation_a)
    invite(net, world.b.tenant, network=net.other, admin=net.other_admin)
    _company(world.a.tenant, "Aalsvoort Metaal", sector="Metaal", city="Lochem")
    # The association's board switches sharing on in its settings.
    board = login_as(world.a.admin)
    assert 'name="shared"' in board.get("/kring-a/admin/networks/sharing").get_data(as_text=True)
    assert board.post("/kring-a/admin/networks/sharing", data={"shared": "y"}).status_code == 302
    assert overview.is_shared(world.a.tenant)
    assert login_as(world.a.member).get("/kring-a/admin/networks/sharing").status_code == 403
    # The network's board sees the overview and the directory, public fields only.
    client = login_as(net.admin)
    page = client.get("/cleantech/admin/overview/").get_data(as_text=True)
    assert "Kring A" in page and "Kring B" not in page
    directory = client.get("/cleantech/directory/").get_data(as_text=True)
    assert "Aalsvoort Metaal" in directory and "Lochem" in directory
    assert (
        "info@aalsvoort" not in directory and "0573-123456" not in directory and "12345678" not in directory
    )
    # People of an active member association find it on the network's home and reach it.
    home = login_as(world.a.member).get("/cleantech/").get_data(as_text=True)
    assert "/cleantech/directory/" in home and "/cleantech/letters/" in home
    assert "Aalsvoort Metaal" in login_as(world.a.member).get("/cleantech/directory/").get_data(as_text=True)
    # The other network and its association see none of it.
    other = login_as(net.other_admin)
    assert "Aalsvoort Metaal" not in other.get("/regio-noord/directory/").get_data(as_text=True)
    assert other.get("/cleantech/directory/").status_code == 404
    assert other.get("/cleantech/admin/overview/").status_code == 404
    assert login_as(world.b.admin).get("/cleantech/directory/").status_code == 404
    # An association has no overview of its own.
    assert login_as(world.a.admin).get("/kring-a/admin/overview/").status_code == 404


def test_overview_and_directory_run_the_same_queries_for_one_or_many_members(app, net, world, login_as):
    from tests.tenants.test_affiliations import _tenant_with_admin
    from tests.web.conftest import count_queries

    def counted(client) -> tuple[int, int]:
        client.get("/cleantech/admin/overview/")
        client.get("/cleantech/directory/")
        with count_queries(app) as overview_statements:
            client.get("/cleantech/admin/overview/")
        with count_queries(app) as directory_statements:
            client.get("/cleantech/directory/")
        return len(overview_statements), len(directory_statements)

    def join(member):
        _i, affiliation_id = invite(net, member)
        _accept(member, affiliation_id)
        _company(member, f"Bedrijf {member.slug}")
        overview.set_sharing(member, True, actor=None)
        db.session.commit()

    join(world.a.tenant)
    client = login_as(net.admin)
    small = counted(client)
    join(world.b.tenant)
    for index in range(3):
        extra, _admin = _tenant_with_admin(
            f"kring-x{index}", f"Kring X{index}", "association", world.password
        )
        db.session.commit()
        join(extra)
    assert counted(client) == small
