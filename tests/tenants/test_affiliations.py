"""Affiliations: a regional network invites associations and municipalities;
they accept, decline or leave. Rules without HTTP first, then the pages, and
throughout: no tenant sees or changes someone else's affiliation."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import event, select

from kringwerk.accounts.models import Role
from kringwerk.accounts.people import add_membership
from kringwerk.accounts.services import create_user
from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope, unscoped
from kringwerk.tenancy.models import Affiliation, AffiliationStatus
from kringwerk.tenants import affiliations as rules
from kringwerk.tenants.services import create_tenant


@dataclass
class Network:
    region: object
    admin: object
    other_region: object
    other_admin: object
    gemeente: object
    third: object  # an association nobody invited


def _tenant_with_admin(slug, name, kind, password):
    # English, like the world fixture's tenants: the page assertions read English.
    tenant = create_tenant(slug, name, kind, default_locale="en")
    admin = create_user(f"admin@{slug}.example.com", f"Bestuur {name}", password=password)
    db.session.flush()
    with tenant_scope(tenant):
        add_membership(tenant, admin, Role.ADMIN)
        db.session.flush()
    return tenant, admin


@pytest.fixture
def net(world):
    region, admin = _tenant_with_admin("cleantech", "Cleantech Regio", "region", world.password)
    other_region, other_admin = _tenant_with_admin("regio-noord", "Regio Noord", "region", world.password)
    gemeente = create_tenant("gemeente-lv", "Gemeente Leidschendam-Voorburg", "municipality")
    third = create_tenant("kring-c", "Kring C", "association")
    db.session.commit()
    return Network(region, admin, other_region, other_admin, gemeente, third)


def actions(tenant) -> list[tuple[str, str | None]]:
    with tenant_scope(tenant):
        return [
            (e.action, e.target_label)
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.action.startswith("affiliation.")).order_by(AuditEntry.id)
            )
        ]


def invited(net, world, member=None) -> int:
    """The region invites ``member`` (tenant A by default) and commits; returns the
    affiliation's id (the commit expires the row, which belongs to the region)."""
    affiliation = rules.invite(net.region, member or world.a.tenant, actor=net.admin)
    affiliation_id = affiliation.id
    db.session.commit()
    return affiliation_id


def network_row(network, affiliation_id) -> Affiliation | None:
    """The row as the network's pages load it: inside the network's scope."""
    with tenant_scope(network):
        return db.session.get(Affiliation, affiliation_id)


def member_row(member, affiliation_id) -> Affiliation | None:
    """The row as the member's pages load it: in the member's scope, through the rules."""
    with tenant_scope(member):
        return rules.member_affiliation(member, affiliation_id)


def as_member(change, member, affiliation_id, *, actor) -> Affiliation:
    """Accept, decline or leave as the member's pages do: in its scope, on a freshly loaded row."""
    with tenant_scope(member):
        return change(member, rules.member_affiliation(member, affiliation_id), actor=actor)


def as_network(change, network, affiliation_id, *args, actor) -> Affiliation:
    """Change a row as the network's pages do: in its scope, on a freshly loaded row."""
    with tenant_scope(network):
        return change(network, db.session.get(Affiliation, affiliation_id), *args, actor=actor)


# --- the rules ------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_invite_is_recorded_in_both_tenants(net, world):
    affiliation = network_row(net.region, invited(net, world))
    assert affiliation.tenant_id == net.region.id
    assert affiliation.member_tenant_id == world.a.tenant.id
    assert affiliation.status == AffiliationStatus.INVITED
    assert (affiliation.joined_on, affiliation.left_on) == (None, None)
    assert actions(net.region) == [("affiliation.invited", "Kring A")]
    assert actions(world.a.tenant) == [("affiliation.invited", "Cleantech Regio")]
    assert actions(world.b.tenant) == []


def test_only_regions_invite_and_only_associations_and_municipalities_join(net, world):
    with pytest.raises(rules.AffiliationError):
        rules.invite(world.a.tenant, world.b.tenant, actor=world.a.admin)
    with pytest.raises(rules.AffiliationError):
        rules.invite(net.region, net.region, actor=net.admin)
    with pytest.raises(rules.AffiliationError):
        rules.invite(net.region, net.other_region, actor=net.admin)
    rules.invite(net.region, net.gemeente, actor=net.admin)  # a municipality may join
    with unscoped("test: every affiliation"):
        assert db.session.scalars(select(Affiliation.member_tenant_id)).all() == [net.gemeente.id]


def test_cannot_invite_twice_but_can_invite_again_after_leaving(net, world):
    affiliation_id = invited(net, world)
    with pytest.raises(rules.AffiliationError):
        rules.invite(net.region, world.a.tenant, actor=net.admin)
    as_member(rules.decline, world.a.tenant, affiliation_id, actor=world.a.admin)
    again = rules.invite(net.region, world.a.tenant, actor=net.admin, note="Tweede poging")
    assert again.id == affiliation_id
    assert (again.status, again.left_on, again.note) == (AffiliationStatus.INVITED, None, "Tweede poging")


def test_candidates_leave_out_self_regions_and_current_members(net, world):
    def names(query):
        return [t.name for t in rules.invite_candidates(net.region, query)]

    assert names("kring") == ["Kring A", "Kring B", "Kring C"]
    assert names("regio") == []  # regions, itself included
    assert names("GEMEENTE") == ["Gemeente Leidschendam-Voorburg"]
    assert names("kring-c") == ["Kring C"]  # by address
    assert names("%") == [] and names("") == []
    affiliation_id = invited(net, world)
    assert names("kring") == ["Kring B", "Kring C"]
    as_member(rules.decline, world.a.tenant, affiliation_id, actor=world.a.admin)
    assert names("kring") == ["Kring A", "Kring B", "Kring C"]
    # Another network's members do not matter here.
    rules.invite(net.other_region, world.b.tenant, actor=net.other_admin)
    assert names("kring") == ["Kring A", "Kring B", "Kring C"]


@pytest.mark.both_databases
def test_accept_makes_the_member_active_today(net, world):
    affiliation_id = invited(net, world)
    as_member(rules.accept, world.a.tenant, affiliation_id, actor=world.a.admin)
    db.session.commit()
    affiliation = network_row(net.region, affiliation_id)
    assert affiliation.status == AffiliationStatus.ACTIVE
    assert affiliation.joined_on == rules.today_in(world.a.tenant)
    assert actions(world.a.tenant)[-1] == ("affiliation.accepted", "Cleantech Regio")
    assert actions(net.region)[-1] == ("affiliation.accepted", "Kring A")
    with tenant_scope(net.region):
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.actor_id == world.a.admin.id


def test_decline_closes_the_invitation_without_joining(net, world):
    affiliation_id = invited(net, world)
    affiliation = as_member(rules.decline, world.a.tenant, affiliation_id, actor=world.a.admin)
    assert affiliation.status == AffiliationStatus.LEFT
    assert affiliation.joined_on is None and affiliation.left_on == rules.today_in(world.a.tenant)
    assert rules.status_label(affiliation) == "Not joined"
    assert actions(net.region)[-1] == ("affiliation.declined", "Kring A")
    with pytest.raises(rules.AffiliationError):
        as_member(rules.accept, world.a.tenant, affiliation_id, actor=world.a.admin)


def test_leave_and_end(net, world):
    first_id = invited(net, world)
    as_member(rules.accept, world.a.tenant, first_id, actor=world.a.admin)
    first = as_member(rules.leave, world.a.tenant, first_id, actor=world.a.admin)
    assert (first.status, first.left_on) == (AffiliationStatus.LEFT, rules.today_in(world.a.tenant))
    assert rules.status_label(first) == "Left"
    assert actions(net.region)[-1] == ("affiliation.left", "Kring A")
    with pytest.raises(rules.AffiliationError):
        as_member(rules.leave, world.a.tenant, first_id, actor=world.a.admin)

    second_id = invited(net, world, world.b.tenant)
    as_member(rules.accept, world.b.tenant, second_id, actor=world.b.admin)
    second = as_network(rules.end_affiliation, net.region, second_id, actor=net.admin)
    assert (second.status, second.left_on) == (AffiliationStatus.LEFT, rules.today_in(net.region))
    assert actions(world.b.tenant)[-1] == ("affiliation.ended", "Cleantech Regio")
    with pytest.raises(rules.AffiliationError):
        as_network(rules.end_affiliation, net.region, second_id, actor=net.admin)


def test_note_is_the_networks_own(net, world):
    affiliation_id = invited(net, world)
    affiliation = as_network(
        rules.update_note, net.region, affiliation_id, "  Tekende de intentieverklaring  ", actor=net.admin
    )
    assert affiliation.note == "Tekende de intentieverklaring"
    assert actions(net.region)[-1] == ("affiliation.updated", "Kring A")
    assert actions(world.a.tenant)[-1][0] == "affiliation.invited"  # the member is not told
    with pytest.raises(rules.AffiliationError):
        as_network(rules.update_note, net.region, affiliation_id, "x" * 2001, actor=net.admin)


@pytest.mark.both_databases
def test_a_third_tenant_cannot_see_or_accept_someone_elses_invitation(net, world):
    affiliation_id = invited(net, world)
    assert rules.member_affiliation(world.b.tenant, affiliation_id) is None
    assert rules.member_affiliations(world.b.tenant) == []
    assert [a.id for a in rules.member_affiliations(world.a.tenant)] == [affiliation_id]
    # Even handed tenant A's row (a caller that skipped the lookup), B cannot answer it.
    affiliation = member_row(world.a.tenant, affiliation_id)
    with tenant_scope(world.b.tenant):
        for change in (rules.accept, rules.decline):
            with pytest.raises(rules.AffiliationError):
                change(world.b.tenant, affiliation, actor=world.b.admin)
    assert affiliation.status == AffiliationStatus.INVITED
    # Another network does not see the row either, nor can it end it.
    with tenant_scope(net.other_region):
        assert db.session.scalar(select(Affiliation).where(Affiliation.id == affiliation_id)) is None
        with pytest.raises(rules.AffiliationError):
            rules.end_affiliation(net.other_region, affiliation, actor=net.other_admin)


# --- the network's pages --------------------------------------------------------------------

LIST = "/cleantech/admin/affiliations/"


def test_region_admin_sees_members_with_status_and_dates(net, world, login_as):
    first_id = invited(net, world)
    as_member(rules.accept, world.a.tenant, first_id, actor=world.a.admin)
    invited(net, world, net.gemeente)
    db.session.commit()
    page = login_as(net.admin).get(LIST).get_data(as_text=True)
    assert "Kring A" in page and "Gemeente Leidschendam-Voorburg" in page
    assert page.index("Kring A") < page.index("Gemeente Leidschendam-Voorburg")  # active first
    assert "Active" in page and "Invited" in page
    assert f"/cleantech/admin/affiliations/{first_id}/end" in page


def test_affiliations_page_only_for_region_boards(net, world, login_as):
    assert login_as(world.a.admin).get("/kring-a/admin/affiliations/").status_code == 404  # not a region
    assert login_as(world.a.admin).get(LIST).status_code == 404  # not a member of the region
    assert login_as(world.operator).get(LIST).status_code == 200


def test_invite_through_the_search(net, world, login_as):
    client = login_as(net.admin)
    page = client.get("/cleantech/admin/affiliations/invite?q=kring").get_data(as_text=True)
    assert "Kring A" in page and "Kring C" in page and "Regio Noord" not in page
    # Each candidate leads to the form that asks for its chair (kringwerk.networks): there is
    # no invitation without a chair to tell.
    option = f'/cleantech/admin/affiliations/chair?member={world.a.tenant.id}"'
    assert option in page
    refused = client.post(
        "/cleantech/admin/affiliations/invite?q=kring", data={"member_tenant_id": str(world.a.tenant.id)}
    )
    assert refused.status_code == 405
    with unscoped("test: every affiliation"):
        assert db.session.scalars(select(Affiliation)).all() == []
    invited(net, world)
    page = client.get("/cleantech/admin/affiliations/invite?q=kring").get_data(as_text=True)
    assert option not in page and "Kring C" in page


@pytest.mark.parametrize("member_id", ["", "abc", "999999", "self", "region"])
def test_inviting_a_wrong_tenant_leads_back_to_the_search(net, world, login_as, member_id):
    member_id = {"self": str(net.region.id), "region": str(net.other_region.id)}.get(member_id, member_id)
    response = login_as(net.admin).post(
        f"/cleantech/admin/affiliations/chair?member={member_id}",
        data={"chair_name": "Harold", "chair_email": "chair@example.com"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/cleantech/admin/affiliations/invite")
    with unscoped("test: every affiliation"):
        assert db.session.scalars(select(Affiliation)).all() == []


def test_end_asks_first(net, world, login_as):
    affiliation_id = invited(net, world)
    as_member(rules.accept, world.a.tenant, affiliation_id, actor=world.a.admin)
    db.session.commit()
    client = login_as(net.admin)
    url = f"/cleantech/admin/affiliations/{affiliation_id}/end"
    page = client.get(url).get_data(as_text=True)
    assert "Kring A" in page and 'method="post"' in page
    db.session.expire_all()
    assert network_row(net.region, affiliation_id).status == AffiliationStatus.ACTIVE
    assert client.post(url).status_code == 302
    db.session.expire_all()
    assert network_row(net.region, affiliation_id).status == AffiliationStatus.LEFT
    assert client.post(url).status_code == 409  # already ended: said clearly, nothing changes


def test_edit_note(net, world, login_as):
    affiliation_id = invited(net, world)
    client = login_as(net.admin)
    url = f"/cleantech/admin/affiliations/{affiliation_id}/note"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"note": "Contact via de voorzitter"}).status_code == 302
    assert "Contact via de voorzitter" in client.get(LIST).get_data(as_text=True)
    response = client.post(url, data={"note": "x" * 2001})
    assert response.status_code == 422 and 'id="note-error"' in response.get_data(as_text=True)


def test_another_network_gets_404_on_the_rows(net, world, login_as):
    affiliation_id = invited(net, world)
    client = login_as(net.other_admin)
    for action in ("end", "note"):
        assert client.get(f"/regio-noord/admin/affiliations/{affiliation_id}/{action}").status_code == 404
        assert client.post(f"/regio-noord/admin/affiliations/{affiliation_id}/{action}").status_code == 404
    db.session.expire_all()
    with unscoped("test: the row is untouched"):
        assert db.session.get(Affiliation, affiliation_id).status == AffiliationStatus.INVITED


def test_list_query_count_is_constant(net, world, login_as):
    client = login_as(net.admin)
    invited(net, world)
    with counted_queries() as before:
        client.get(LIST)
    for n in range(5):
        invited(net, world, create_tenant(f"kring-extra-{n}", f"Kring extra {n}", "association"))
    with counted_queries() as after:
        client.get(LIST)
    assert len(after) == len(before)


# --- the member's pages ---------------------------------------------------------------------

NETWORKS = "/kring-a/admin/networks/"


@pytest.mark.both_databases
def test_member_board_accepts_an_invitation(net, world, login_as):
    affiliation_id = invited(net, world)
    client = login_as(world.a.admin)
    page = client.get(NETWORKS).get_data(as_text=True)
    assert "Cleantech Regio" in page
    assert f"/kring-a/admin/networks/{affiliation_id}/accept" in page
    assert client.post(f"/kring-a/admin/networks/{affiliation_id}/accept").status_code == 302
    db.session.expire_all()
    with unscoped("test: read the network's row"):
        row = db.session.get(Affiliation, affiliation_id)
        assert (row.status, row.joined_on) == (AffiliationStatus.ACTIVE, rules.today_in(world.a.tenant))
    page = client.get(NETWORKS).get_data(as_text=True)
    assert f"/kring-a/admin/networks/{affiliation_id}/leave" in page
    # A second accept is said clearly and changes nothing.
    assert client.post(f"/kring-a/admin/networks/{affiliation_id}/accept").status_code == 409


def test_decline_and_leave_ask_first(net, world, login_as):
    first_id = invited(net, world)
    client = login_as(world.a.admin)
    decline = f"/kring-a/admin/networks/{first_id}/decline"
    assert 'method="post"' in client.get(decline).get_data(as_text=True)
    assert client.post(decline).status_code == 302
    assert actions(net.region)[-1] == ("affiliation.declined", "Kring A")
    assert client.post(decline).status_code == 409

    db.session.expire_all()  # the requests changed the row behind this session's back
    second_id = invited(net, world)
    as_member(rules.accept, world.a.tenant, second_id, actor=world.a.admin)
    db.session.commit()
    leave = f"/kring-a/admin/networks/{second_id}/leave"
    assert "Cleantech Regio" in client.get(leave).get_data(as_text=True)
    assert actions(net.region)[-1] == ("affiliation.accepted", "Kring A")  # the GET changed nothing
    assert client.post(leave).status_code == 302
    assert actions(net.region)[-1] == ("affiliation.left", "Kring A")


def test_another_tenant_cannot_see_or_answer_the_invitation(net, world, login_as):
    affiliation_id = invited(net, world)
    client = login_as(world.b.admin)
    assert "Cleantech Regio" not in client.get("/kring-b/admin/networks/").get_data(as_text=True)
    assert client.post(f"/kring-b/admin/networks/{affiliation_id}/accept").status_code == 404
    assert client.get(f"/kring-b/admin/networks/{affiliation_id}/decline").status_code == 404
    assert client.post(f"/kring-b/admin/networks/{affiliation_id}/decline").status_code == 404
    # Nor through tenant A's address without being its board.
    assert client.post(f"/kring-a/admin/networks/{affiliation_id}/accept").status_code == 404
    assert (
        login_as(world.a.facilitator).post(f"/kring-a/admin/networks/{affiliation_id}/accept").status_code
        == 403
    )
    with unscoped("test: the row is untouched"):
        db.session.expire_all()
        assert db.session.get(Affiliation, affiliation_id).status == AffiliationStatus.INVITED


def test_networks_page_is_not_for_regions(net, login_as):
    assert login_as(net.admin).get("/cleantech/admin/networks/").status_code == 404


# --- helpers --------------------------------------------------------------------------------


@contextmanager
def counted_queries():
    statements: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)


def test_ids_beyond_the_database_range_are_refused(net, world, login_as):
    huge = "9" * 23
    assert login_as(world.a.admin).get(f"/kring-a/admin/networks/{huge}/leave").status_code == 404
    client = login_as(net.admin)
    assert client.get(f"/cleantech/admin/affiliations/{huge}/end").status_code == 404
    response = client.post(f"/cleantech/admin/affiliations/chair?member={huge}", data={"chair_name": "H"})
    assert response.status_code == 302  # back to the search: no such association
