"""Fixtures for the MKB-toets tests: the plugin enabled in both tenants, companies
with contact persons in both (some on the standing panel), and ``make_dossier`` to
build a dossier straight from the models (no service involved, so a broken service
cannot hide behind its own fixture).

Use objects inside ``tenant_scope(...)`` and plain ids everywhere else: the
fixtures commit, and an expired row of a tenant reloads only in its scope.
"""

from __future__ import annotations

import email
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest

from kringwerk.extensions import db, utcnow
from kringwerk.members.models import BusinessPark, Company, ContactPerson, PanelMember
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.mkb_toets.models import Dossier, DossierSection, Phase, PhaseChange

# Tenant A's companies: (name, sector, employees, contacts (name, e-mail), on the standing panel)
COMPANIES_A = (
    ("Alpha Bouw BV", "Bouw", 40, (("Anna Alpha", "anna@alpha.test"),), True),
    ("Bakkerij Berends", "Voeding", 8, (("Bert Berends", "bert@berends.test"),), True),
    (
        "Chemie Colmschate",
        "Industrie",
        120,
        (("Carla Chemie", "carla@chemie.test"), ("Cor Zonder", None)),
        False,
    ),
    ("Drukkerij De Wit", "Industrie", 15, (("Dirk de Wit", "dirk@dewit.test"),), False),
)


@dataclass
class MkbWorld:
    world: object
    company_ids: dict[str, int] = field(default_factory=dict)  # tenant A, by name
    contact_ids: dict[str, int] = field(default_factory=dict)  # tenant A, by name
    park_id: int = 0
    b_company_id: int = 0
    b_contact_id: int = 0

    @property
    def a(self):
        return self.world.a

    @property
    def b(self):
        return self.world.b


@pytest.fixture
def mkb_world(world) -> MkbWorld:
    result = MkbWorld(world)
    for side in (world.a, world.b):
        enable_plugin(side.tenant, "mkb-toets")
    with tenant_scope(world.a.tenant):
        park = BusinessPark(name="Aalsvoort")
        db.session.add(park)
        for name, sector, employees, contacts, on_panel in COMPANIES_A:
            company = Company(
                name=name,
                sector=sector,
                employees=employees,
                business_park=park if sector == "Industrie" else None,
            )
            for contact_name, address in contacts:
                company.contacts.append(ContactPerson(name=contact_name, email=address))
            db.session.add(company)
            db.session.flush()
            result.company_ids[name] = company.id
            for contact in company.contacts:
                result.contact_ids[contact.name] = contact.id
                if on_panel:
                    db.session.add(PanelMember(contact_person_id=contact.id))
        db.session.flush()
        result.park_id = park.id
    with tenant_scope(world.b.tenant):
        company = Company(name="Bedrijf van B", sector="Bouw", employees=40)
        company.contacts.append(ContactPerson(name="Bea van B", email="bea@b.test"))
        db.session.add(company)
        db.session.flush()
        db.session.add(PanelMember(contact_person_id=company.contacts[0].id))
        db.session.flush()
        result.b_company_id = company.id
        result.b_contact_id = company.contacts[0].id
    db.session.commit()
    return result


SECTIONS = (
    ("Venstertijden", "Laden en lossen in het centrum alleen tussen 7 en 11 uur."),
    ("Ontheffingen", "Een ontheffing kost 120 euro per jaar per voertuig."),
    ("Handhaving", "Camera's controleren de venstertijden."),
)


def make_dossier(
    tenant, *, title="Venstertijden binnenstad", phase=Phase.DRAFT, sections=SECTIONS, **values
) -> int:
    """A dossier with three sections in ``tenant``, closing in two weeks unless ``values`` say otherwise."""
    with tenant_scope(tenant):
        dossier = Dossier(
            title=title,
            policy_area="Verkeer",
            problem="Vrachtverkeer in de smalle straten.",
            proposal="Venstertijden voor laden en lossen.",
            affected="Winkels en horeca in het centrum, hun leveranciers.",
            expected_effect="Minder vrachtverkeer overdag.",
            contact_name="Gerda Gemeente",
            contact_email="gerda@gemeente.test",
            phase=phase,
            consultation_closes_at=values.pop("consultation_closes_at", utcnow() + timedelta(days=14)),
            **values,
        )
        db.session.add(dossier)
        db.session.flush()
        for number, (heading, body) in enumerate(sections, start=1):
            db.session.add(DossierSection(dossier_id=dossier.id, number=number, heading=heading, body=body))
        db.session.add(PhaseChange(dossier_id=dossier.id, from_phase=None, to_phase=phase))
        db.session.flush()
        dossier_id = dossier.id
    db.session.commit()
    return dossier_id


def mails(app) -> list[email.message.EmailMessage]:
    folder = Path(app.config["OUTBOX_DIR"])
    if not folder.exists():
        return []
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def mail_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()
