"""A network's invitation reaches the invited association by e-mail: its admins
(and its contact address) get a message in their language with the link to the
page where they accept or decline. Nobody else is mailed: not the network's
people, not tenant B, not the invited tenant's other members."""

from __future__ import annotations

from pathlib import Path

import pytest

from kringwerk.extensions import db
from tests.accounts.conftest import Outbox, text_of
from tests.tenants.test_affiliations import invited, net  # noqa: F401  (fixture)


@pytest.fixture
def outbox(app) -> Outbox:
    return Outbox(Path(app.config["OUTBOX_DIR"]))


def test_the_invited_associations_admins_and_contact_get_a_mail(net, world, outbox):  # noqa: F811
    world.a.tenant.contact_email = "bestuur@kring-a.test"
    db.session.commit()
    invited(net, world)
    recipients = sorted(m["To"] for m in outbox.messages())
    assert recipients == sorted([world.a.admin.email, "bestuur@kring-a.test"])
    body = text_of(outbox.last(world.a.admin.email))
    assert "Cleantech Regio" in body
    assert "/kring-a/admin/networks/" in body
    assert "Cleantech Regio" in outbox.last(world.a.admin.email)["Subject"]
    # Nobody of tenant B, and none of A's other members.
    for person in (world.b.admin, world.b.member, world.a.member, world.a.facilitator, net.admin):
        assert outbox.to(person.email) == []


def test_an_invitation_refused_by_the_rules_mails_nobody(net, world, outbox):  # noqa: F811
    from kringwerk.tenants import affiliations as rules

    invited(net, world)
    before = len(outbox.messages())
    with pytest.raises(rules.AffiliationError):
        rules.invite(net.region, world.a.tenant, actor=net.admin)  # already invited
    db.session.rollback()
    assert len(outbox.messages()) == before
