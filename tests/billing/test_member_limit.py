"""A plan's member limit holds: it counts the people with a membership (the plans' wording,
"the number of people a tenant may have"), and an open invitation holds a place. Inviting past
the limit is refused with a pointer to the upgrade and changes nothing; accepting an invitation
sent before a smaller plan is refused too; a plan the operator comps counts instead; without
billing there is no limit. The free plan of the tests allows 5 people; each tenant has 4."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kringwerk.accounts.models import Invitation, Membership
from kringwerk.audit.models import AuditEntry
from kringwerk.billing import services
from kringwerk.extensions import db
from kringwerk.tenancy.context import tenant_scope
from tests.billing.helpers import PLANS


def invite_url(side) -> str:
    return f"/{side.tenant.slug}/admin/people/invite"


def counts(side) -> tuple[int, int, int]:
    with tenant_scope(side.tenant):
        return (
            db.session.scalar(select(func.count()).select_from(Membership)),
            db.session.scalar(select(func.count()).select_from(Invitation)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)),
        )


def invite(client, side, email):
    return client.post(invite_url(side), data={"email": email, "role": "member"})


@pytest.mark.both_databases
def test_inviting_past_the_limit_is_refused_and_changes_nothing(world, login_as):
    client = login_as(world.a.admin)
    assert invite(client, world.a, "fifth@example.org").status_code == 302
    page = client.get(invite_url(world.a)).get_data(as_text=True)
    assert "data-people-room" in page and "5 places are taken" in page
    assert f'href="/{world.a.tenant.slug}/admin/billing/"' in page  # the way to a larger plan
    before = counts(world.a)

    refused = invite(client, world.a, "sixth@example.org")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "The Free plan allows 5 people and Kring A has 5, open invitations included." in html
    assert "Upgrade to a larger plan on the billing page" in html
    assert counts(world.a) == before
    db.session.expire_all()
    assert services.people_refusal(world.a.tenant) is not None

    # Kring B counts its own people: it still has a place.
    assert services.people_room(world.b.tenant).taken == 4
    b_client = login_as(world.b.admin)
    assert invite(b_client, world.b, "sixth@example.org").status_code == 302
    with tenant_scope(world.b.tenant):
        assert db.session.scalar(select(Invitation.email)) == "sixth@example.org"


def test_a_withdrawn_invitation_gives_its_place_back(world, login_as):
    client = login_as(world.a.admin)
    assert invite(client, world.a, "fifth@example.org").status_code == 302
    assert invite(client, world.a, "sixth@example.org").status_code == 422
    with tenant_scope(world.a.tenant):
        invitation_id = db.session.scalar(select(Invitation.id))
    assert (
        client.post(f"/{world.a.tenant.slug}/admin/people/invitations/{invitation_id}/revoke").status_code
        == 302
    )
    assert invite(client, world.a, "sixth@example.org").status_code == 302


def test_a_comped_larger_plan_lifts_the_limit(world, login_as, app):
    bigger = {
        **PLANS,
        "plans": [*PLANS["plans"], {**PLANS["plans"][0], "key": "big", "name": "Big", "member_limit": 6}],
    }
    app.config["BILLING_PLANS"] = bigger
    app.extensions.pop("kringwerk.billing.plans", None)
    client = login_as(world.a.admin)
    assert invite(client, world.a, "fifth@example.org").status_code == 302
    assert invite(client, world.a, "sixth@example.org").status_code == 422

    services.comp_plan(world.a.tenant, "big", actor=world.operator)
    db.session.commit()
    assert invite(client, world.a, "sixth@example.org").status_code == 302
    # A comped plan's limit holds as well, and the message sends the admin to the operator.
    refused = invite(client, world.a, "seventh@example.org")
    assert refused.status_code == 422
    assert "ask the platform&#39;s operator for a larger plan" in refused.get_data(as_text=True)
    # B's plan was not comped: it keeps the free plan's limit.
    assert services.people_room(world.b.tenant).limit == 5


def test_accepting_is_refused_when_a_smaller_plan_left_no_room(world, app):
    from kringwerk.accounts import invitations

    with tenant_scope(world.a.tenant):
        invitation, _mailed = invitations.invite(
            world.a.tenant, "late@example.org", "member", actor=world.a.admin
        )
    db.session.commit()
    # The plan shrinks to the 4 people A has: the open invitation no longer finds a place.
    small = {**PLANS, "plans": [{**PLANS["plans"][0], "member_limit": 4}, PLANS["plans"][1]]}
    app.config["BILLING_PLANS"] = small
    app.extensions.pop("kringwerk.billing.plans", None)
    # The link's page runs as the invitation's tenant, as here.
    with (
        tenant_scope(world.a.tenant),
        pytest.raises(invitations.AccountError, match="has reached the 4 people"),
    ):
        invitations.accept_invitation(invitation, name="Late Comer")
    db.session.rollback()
    assert counts(world.a)[0] == 4
    with tenant_scope(world.a.tenant):
        assert db.session.get(Invitation, invitation.id).accepted_at is None
    # B counts only its own people: A's open invitation takes none of B's places.
    assert services.people_room(world.b.tenant).taken == 4 and counts(world.b)[:2] == (4, 0)


def test_without_billing_there_is_no_limit(world, login_as, app):
    app.config["STRIPE_SECRET_KEY"] = None
    app.config["STRIPE_WEBHOOK_SECRET"] = None
    assert not services.billing_enabled()
    client = login_as(world.a.admin)
    for number in range(3):
        assert invite(client, world.a, f"guest{number}@example.org").status_code == 302
    assert "data-people-room" not in client.get(invite_url(world.a)).get_data(as_text=True)
    assert services.people_room(world.b.tenant).limit is None


def test_the_refusal_speaks_dutch(world, login_as):
    from kringwerk.accounts.models import User

    db.session.get(User, world.a.admin.id).preferred_locale = "nl"
    db.session.commit()
    client = login_as(world.a.admin)
    assert invite(client, world.a, "fifth@example.org").status_code == 302
    page = client.get(invite_url(world.a)).get_data(as_text=True)
    assert "5 plaatsen zijn bezet" in page and "Kies een groter abonnement" in page
    refused = invite(client, world.a, "sixth@example.org").get_data(as_text=True)
    assert "Het abonnement Free staat 5 mensen toe en Kring A heeft er 5" in refused
    # B's admin, in English, still has a place.
    assert invite(login_as(world.b.admin), world.b, "sixth@example.org").status_code == 302
