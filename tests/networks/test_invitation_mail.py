"""The mails of a network's onboarding read as the network's own: sent on its behalf, and
saying what the link leads to: signing in (an existing association) or making an account (a
new one), then the letter of intent where the network has one, else accepting. Nobody of
tenant B or another network receives anything."""

from __future__ import annotations

import pytest

from kringwerk.extensions import db
from kringwerk.networks import signatories
from kringwerk.tenancy import tenant_scope
from tests.accounts.conftest import text_of
from tests.networks.conftest import get_letter, invite, make_letter

pytestmark = pytest.mark.both_databases


def nobody_else_heard(net, world, outbox):
    for person in (world.b.admin, world.b.member, net.other_admin):
        assert outbox.to(person.email) == []


def test_an_existing_associations_chair_is_told_to_sign_in_then_sign(net, world, outbox):
    make_letter(net.region, net.admin)
    invite(net, world.a.tenant, "chair@kring-a.example.com")
    body = text_of(outbox.last("chair@kring-a.example.com"))
    assert "on behalf of Cleantech Regio." in body and "on behalf of Kringwerk" not in body
    assert "With the link below you sign in with this address" in body
    assert "You then read the letter of intent and sign it for Kring A." in body
    # The board's own notice comes from the network too.
    assert "on behalf of Cleantech Regio." in text_of(outbox.last(world.a.admin.email))
    nobody_else_heard(net, world, outbox)


def test_without_a_letter_the_chair_is_told_to_accept(net, world, outbox):
    invite(net, world.a.tenant, "chair@kring-a.example.com")
    body = text_of(outbox.last("chair@kring-a.example.com"))
    assert "letter of intent" not in body
    assert "You then accept the invitation for Kring A." in body
    nobody_else_heard(net, world, outbox)


def test_a_named_signatory_hears_from_the_letters_owner(net, world, outbox):
    letter_id = make_letter(net.region, net.admin)
    with tenant_scope(net.region):
        signatories.add_signatory(
            get_letter(net.region, letter_id),
            name="Gerrit Haverkamp",
            function="Wethouder",
            organisation="Gemeente",
            email="wethouder@gemeente.example",
            actor=net.admin,
        )
    db.session.commit()
    body = text_of(outbox.last("wethouder@gemeente.example"))
    assert "on behalf of Cleantech Regio." in body
    nobody_else_heard(net, world, outbox)
