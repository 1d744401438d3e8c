"""The people of the panel tests: contact persons in both tenants (on top of the
``members`` fixture), and a helper that reads who is on a tenant's panel."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kringwerk.extensions import db
from kringwerk.members import panel
from kringwerk.members.models import Company, ContactPerson
from kringwerk.tenancy import tenant_scope


@dataclass
class People:
    """Contact person ids by e-mail address (or name, for those without one)."""

    members: object
    a: dict[str, int] = field(default_factory=dict)  # tenant A
    b: dict[str, int] = field(default_factory=dict)  # tenant B

    @property
    def world(self):
        return self.members.world


@pytest.fixture
def people(members) -> People:
    result = People(members)
    with tenant_scope(members.a.tenant):
        alpha = db.session.get(Company, members.alpha_id)
        anker = db.session.get(Company, members.anker_id)
        alpha.contacts.append(ContactPerson(name="Arie Alpha", email="arie@alpha.test"))
        anker.contacts.append(ContactPerson(name="Karel Anker", email="Karel@Anker.test"))
        anker.contacts.append(ContactPerson(name="Nina Zonder"))  # no e-mail address: cannot be asked
        db.session.flush()
        for company in (alpha, anker):
            for contact in company.contacts:
                result.a[contact.email.lower() if contact.email else contact.name] = contact.id
    with tenant_scope(members.b.tenant):
        bravo = db.session.get(Company, members.bravo_id)
        bravo.contacts.append(ContactPerson(name="Bram Bravo", email="bram@bravo.test"))
        # The same address as a contact of tenant A: A's panel must never pick this one.
        bravo.contacts.append(ContactPerson(name="Anna in B", email="anna@alpha.test"))
        db.session.flush()
        result.b = {contact.email: contact.id for contact in bravo.contacts}
    db.session.commit()
    return result


def on_panel(tenant) -> set[str]:
    """E-mail addresses (or names) of the contact persons on ``tenant``'s panel now."""
    with tenant_scope(tenant):
        return {
            (contact.email or contact.name).lower()
            for _row, contact in db.session.execute(panel.active_panel())
        }
