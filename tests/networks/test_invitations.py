"""A network's board invites an association's chair by e-mail: an existing association,
or a new one made from the invitation, which the chair then runs. The mail really goes
out after the commit, and a mail that could not be sent is never shown as sent.
Another network can neither see nor use these invitations."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kringwerk.accounts.models import Membership, Role
from kringwerk.accounts.services import create_user, find_user
from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.networks import invitations
from kringwerk.networks.models import NetworkInvitation
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Affiliation, AffiliationStatus
from kringwerk.tenants.services import find_tenant
from tests.accounts.conftest import text_of
from tests.networks.conftest import invite

# The chair's link crosses from the network into the association: row-level security must agree.
pytestmark = pytest.mark.both_databases


def _link(message) -> str:
    match = re.search(r"https?://\S+/join/[A-Za-z0-9_-]+", text_of(message))
    assert match, text_of(message)
    return match.group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def _invitation(net, invitation_id) -> NetworkInvitation:
    with tenant_scope(net.region):
        return db.session.get(NetworkInvitation, invitation_id)


# --- services --------------------------------------------------------------------------


def test_inviting_an_existing_association_mails_its_chair_and_board_once(net, world, outbox):
    invitation_id, affiliation_id = invite(net, world.a.tenant, "chair@kring-a.example.com")
    chair = outbox.last("chair@kring-a.example.com")
    assert "Cleantech Regio" in chair["Subject"]
    assert "/cleantech/join/" in text_of(chair)
    # The board hears through the affiliation's own mail; the chair gets one message, not two.
    assert len(outbox.to("chair@kring-a.example.com")) == 1
    assert outbox.to(world.a.admin.email)
    assert _invitation(net, invitation_id).mailed_at is not None
    assert invitations.mail_state(_invitation(net, invitation_id)) == "sent"
    # Nobody of tenant B or the other network hears of it.
    for person in (world.b.admin, net.other_admin):
        assert outbox.to(person.email) == []
    with tenant_scope(net.other):
        assert db.session.scalars(select(NetworkInvitation)).all() == []


def test_a_new_association_is_made_from_the_invitation(net, world, outbox):
    invitation = invitations.invite_new(
        net.region,
        name="Bedrijvenkring Zutphen",
        slug="kring-zutphen",
        municipality="Zutphen",
        chair_name="Anne de Vries",
        chair_email="Anne@Zutphen.example.com",
        actor=net.admin,
    )
    invitation_id = invitation.id
    db.session.commit()
    member = find_tenant("kring-zutphen")
    assert (member.kind.value, member.municipality, member.contact_email) == (
        "association",
        "Zutphen",
        "anne@zutphen.example.com",
    )
    with tenant_scope(net.region):
        affiliation = db.session.scalar(select(Affiliation).where(Affiliation.member_tenant_id == member.id))
        assert affiliation.status == AffiliationStatus.INVITED
    # One mail: the chair's personal link (nobody else is there to tell).
    assert [m["To"] for m in outbox.messages()] == ["anne@zutphen.example.com"]
    assert _invitation(net, invitation_id).created_tenant


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": "Kring Zutphen!"}, "slug"),
        ({"slug": "kring-a"}, "slug"),  # taken
        ({"name": ""}, "name"),
        ({"chair_email": "not-an-address"}, "chair_email"),
        ({"chair_name": " "}, "chair_name"),
    ],
)
def test_a_new_association_needs_valid_details(net, world, outbox, changes, field):
    values = {
        "name": "Bedrijvenkring Zutphen",
        "slug": "kring-zutphen",
        "municipality": "Zutphen",
        "chair_name": "Anne de Vries",
        "chair_email": "anne@zutphen.example.com",
        **changes,
    }
    with pytest.raises(invitations.InvitationError) as refused:
        invitations.invite_new(net.region, actor=net.admin, **values)
    db.session.rollback()
    assert refused.value.field == field
    assert outbox.messages() == []


def test_the_chair_creates_an_account_and_runs_the_new_association(net, world, outbox, client):
    invitations.invite_new(
        net.region,
        name="Bedrijvenkring Zutphen",
        slug="kring-zutphen",
        municipality="Zutphen",
        chair_name="Anne de Vries",
        chair_email="anne@zutphen.example.com",
        actor=net.admin,
    )
    db.session.commit()
    path = _path(_link(outbox.last("anne@zutphen.example.com")))
    page = client.get(path)
    assert page.status_code == 200 and "Create your account" in page.get_data(as_text=True)
    # The link is the network's: under another network's address it is unknown.
    assert client.get(path.replace("/cleantech/", "/regio-noord/")).status_code == 404
    done = client.post(path, data={"name": "Anne de Vries", "password": "", "password_repeat": ""})
    assert done.status_code == 302
    assert "/kring-zutphen/admin/networks/" in done.headers["Location"]
    anne = find_user("anne@zutphen.example.com")
    member = find_tenant("kring-zutphen")
    with tenant_scope(member):
        assert db.session.scalar(select(Membership.role).where(Membership.user_id == anne.id)) == Role.ADMIN
        assert "member.joined" in db.session.scalars(select(AuditEntry.action)).all()
    # Used: the same link opens nothing any more.
    assert client.get(path).status_code == 404


def test_an_existing_associations_chair_link_makes_nobody_its_admin(net, world, outbox, login_as):
    """A network cannot seat someone on another tenant's board by naming them chair."""
    invite(net, world.a.tenant, world.outsider.email)
    path = _path(_link(outbox.last(world.outsider.email)))
    client = login_as(world.outsider)
    refused = client.post(path)
    assert refused.status_code == 409
    assert "Only a board member of Kring A" in refused.get_data(as_text=True)
    with tenant_scope(world.a.tenant):
        assert db.session.scalar(select(Membership).where(Membership.user_id == world.outsider.id)) is None


def test_a_board_member_as_chair_goes_on_to_the_letter(net, world, outbox, login_as):
    invite(net, world.a.tenant, world.a.admin.email)
    path = _path(_link(outbox.last(world.a.admin.email)))
    client = login_as(world.a.admin)
    done = client.post(path)
    assert done.status_code == 302 and "/kring-a/admin/networks/" in done.headers["Location"]


def test_signed_in_as_someone_else_the_chair_link_asks_to_sign_out(net, world, outbox, login_as):
    invite(net, world.a.tenant, "chair@kring-a.example.com")
    path = _path(_link(outbox.last("chair@kring-a.example.com")))
    client = login_as(world.b.admin)
    assert "you are signed in as" in client.get(path).get_data(as_text=True)
    assert client.post(path).status_code == 409
    assert find_user("chair@kring-a.example.com") is None


# --- a mail that fails is not shown as sent ----------------------------------------------------


def test_a_failed_send_is_shown_as_failed_and_can_be_sent_again(net, world, outbox, login_as, app):
    app.config["SMTP_URL"] = "smtp://127.0.0.1:9"  # nothing listens there
    client = login_as(net.admin)
    response = client.post(
        f"/cleantech/admin/affiliations/chair?member={world.a.tenant.id}",
        data={"chair_name": "Harold", "chair_email": "chair@kring-a.example.com"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "could not be sent" in page
    assert "the invitation was sent" not in page
    with tenant_scope(net.region):
        invitation = db.session.scalar(select(NetworkInvitation))
        assert invitation.mailed_at is None and invitation.mail_failed_at is not None
        invitation_id = invitation.id
    # The mail server is back: sending again works and says so.
    app.config["SMTP_URL"] = None
    again = client.post(
        f"/cleantech/admin/affiliations/invitations/{invitation_id}/resend", follow_redirects=True
    )
    assert "was sent to chair@kring-a.example.com again" in again.get_data(as_text=True)
    db.session.expire_all()
    assert _invitation(net, invitation_id).mailed_at is not None
    # The first link was replaced: only the new one works.
    assert len(outbox.to("chair@kring-a.example.com")) == 1


# --- pages and the wall ------------------------------------------------------------------------


def test_the_board_invites_a_new_association_from_the_page(net, world, outbox, login_as):
    client = login_as(net.admin)
    assert client.get("/cleantech/admin/affiliations/new").status_code == 200
    bad = client.post(
        "/cleantech/admin/affiliations/new",
        data={"name": "X", "slug": "kring-a", "chair_name": "A", "chair_email": "a@x.example.com"},
    )
    assert bad.status_code == 422 and "already taken" in bad.get_data(as_text=True)
    done = client.post(
        "/cleantech/admin/affiliations/new",
        data={
            "name": "Kring Zutphen",
            "slug": "kring-zutphen",
            "municipality": "Zutphen",
            "chair_name": "Anne",
            "chair_email": "anne@zutphen.example.com",
        },
        follow_redirects=True,
    )
    text = done.get_data(as_text=True)
    assert "the invitation was sent to anne@zutphen.example.com" in text
    assert "Kring Zutphen" in text and "e-mail sent on" in text


def test_another_network_cannot_see_or_resend_the_invitation(net, world, outbox, login_as):
    invitation_id, _affiliation = invite(net, world.a.tenant)
    other = login_as(net.other_admin)
    assert (
        other.post(f"/regio-noord/admin/affiliations/invitations/{invitation_id}/resend").status_code == 404
    )
    assert other.post(f"/cleantech/admin/affiliations/invitations/{invitation_id}/resend").status_code == 404
    assert "Harold Viscaal" not in other.get("/regio-noord/admin/affiliations/").get_data(as_text=True)
    # An association's board has no business with the network's invitations either.
    member = login_as(world.a.admin)
    assert member.post(f"/cleantech/admin/affiliations/invitations/{invitation_id}/resend").status_code == 404


def test_only_the_board_of_a_network_invites(net, world, login_as):
    client = login_as(world.a.admin)
    assert client.get("/kring-a/admin/affiliations/new").status_code == 404  # not a network
    client = login_as(world.b.member)
    assert client.get("/cleantech/admin/affiliations/new").status_code == 404  # not a member
    stranger = create_user("x@example.com", "X", password=world.password)
    db.session.commit()
    assert login_as(stranger).get("/cleantech/admin/affiliations/chair?member=1").status_code == 404


def test_the_chairs_mail_speaks_the_networks_language(net, world, outbox):
    net.region.default_locale = "nl"
    db.session.commit()
    invite(net, world.a.tenant, "chair@kring-a.example.com")
    body = text_of(outbox.last("chair@kring-a.example.com"))
    assert "Beste Harold Viscaal," in body
    assert "Deze persoonlijke link is 30 dagen geldig" in body


def test_a_withdrawn_invitations_link_stays_dead_after_inviting_again(net, world, outbox, client):
    from kringwerk.tenants import affiliations

    invite(net, world.a.tenant, "chair@kring-a.example.com")
    old = _path(_link(outbox.last("chair@kring-a.example.com")))
    with tenant_scope(net.region):
        affiliation = db.session.scalar(select(Affiliation))
        affiliations.end_affiliation(net.region, affiliation, actor=net.admin)
        db.session.commit()
    assert client.get(old).status_code == 404
    invite(net, world.a.tenant, "chair@kring-a.example.com")
    new = _path(_link(outbox.last("chair@kring-a.example.com")))
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
