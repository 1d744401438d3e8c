"""Two regional networks, each with a board member, and the world's two associations.

``world.a`` and ``world.b`` are associations; ``net.region`` invites them, ``net.other``
is a second network whose letters, signatures and directory must stay out of reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from kringwerk.extensions import db
from kringwerk.networks import invitations, letters
from kringwerk.tenancy import tenant_scope
from tests.accounts.conftest import Outbox
from tests.tenants.test_affiliations import _tenant_with_admin

TEXT = "Wij werken samen aan de Agenda Cleantech Regio.\n\nWe organiseren themabijeenkomsten."


@dataclass
class Networks:
    region: object
    admin: object
    other: object
    other_admin: object


@pytest.fixture
def net(world) -> Networks:
    region, admin = _tenant_with_admin("cleantech", "Cleantech Regio", "region", world.password)
    other, other_admin = _tenant_with_admin("regio-noord", "Regio Noord", "region", world.password)
    db.session.commit()
    return Networks(region, admin, other, other_admin)


@pytest.fixture
def outbox(app) -> Outbox:
    return Outbox(Path(app.config["OUTBOX_DIR"]))


def invite(net, member, chair_email=None, *, network=None, admin=None):
    """``network`` (default the region) invites ``member`` with its chair; commits; returns ids."""
    network = network or net.region
    invitation = invitations.invite_existing(
        network,
        member,
        chair_name="Harold Viscaal",
        chair_email=chair_email or f"voorzitter@{member.slug}.example.com",
        actor=admin or net.admin,
    )
    ids = invitation.id, invitation.affiliation_id
    db.session.commit()
    return ids


def make_letter(owner, admin, title="Ondernemend Cleantech Regio", text=TEXT) -> int:
    letter = letters.create_letter(owner, title, text, actor=admin)
    letter_id = letter.id
    db.session.commit()
    return letter_id


def typed(name="Harold Viscaal", organisation="Kring A", signed_on=None):
    return letters.Typed(
        full_name=name,
        function="Voorzitter",
        organisation=organisation,
        signed_on=signed_on or date(2026, 12, 1),
    )


def get_letter(owner, letter_id):
    from kringwerk.networks.models import Letter

    with tenant_scope(owner):
        return db.session.get(Letter, letter_id)
