"""Fixtures for the member tests: parks, circles and companies in both tenants."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark, Circle, Company, ContactPerson
from kringwerk.tenancy import tenant_scope
from tests.members.panel_support import people  # noqa: F401 - the panel tests' fixture
from tests.members.support import theme_by_key

ROWS = ("park", "other_park", "noord", "zuid", "alpha", "anker", "bravo", "b_park", "b_circle")


@dataclass
class Members:
    """The rows below, and their plain ids (``alpha_id``...).

    The fixture's commit expires the objects, and an expired row of a tenant can
    only be read again inside that tenant's scope: use the objects inside
    ``tenant_scope(...)``, the ids anywhere (URLs, form data, assertions).
    """

    world: object
    park: BusinessPark  # Aalsvoort, tenant A
    other_park: BusinessPark  # De Wieken, tenant A
    noord: Circle  # tenant A
    zuid: Circle  # tenant A
    alpha: Company  # tenant A, on Aalsvoort, circle Noord, theme energie, contact Anna de Vries
    anker: Company  # tenant A, no park
    bravo: Company  # tenant B
    b_park: BusinessPark  # tenant B
    b_circle: Circle  # tenant B

    # Taken in __post_init__, while the rows are still fresh (before the commit).
    park_id: int = field(init=False)
    other_park_id: int = field(init=False)
    noord_id: int = field(init=False)
    zuid_id: int = field(init=False)
    alpha_id: int = field(init=False)
    anker_id: int = field(init=False)
    bravo_id: int = field(init=False)
    b_park_id: int = field(init=False)
    b_circle_id: int = field(init=False)

    def __post_init__(self) -> None:
        for name in ROWS:
            setattr(self, f"{name}_id", getattr(self, name).id)

    @property
    def a(self):
        return self.world.a

    @property
    def b(self):
        return self.world.b


@pytest.fixture
def members(world) -> Members:
    with tenant_scope(world.a.tenant):
        park = BusinessPark(name="Aalsvoort", municipality="Lochem")
        other_park = BusinessPark(name="De Wieken")
        noord, zuid = Circle(name="Noord"), Circle(name="Zuid")
        alpha = Company(
            name="Alpha Bouw BV",
            kvk_number="12345678",
            sector="Bouw",
            city="Lochem",
            business_park=park,
            circles=[noord],
            themes=[theme_by_key("energie")],
        )
        alpha.contacts.append(ContactPerson(name="Anna de Vries", email="anna@alpha.test"))
        anker = Company(name="Anker Zorg", kvk_number="23456789", sector="Zorg", city="Assen")
        db.session.add_all([park, other_park, noord, zuid, alpha, anker])
        db.session.flush()
    with tenant_scope(world.b.tenant):
        b_park = BusinessPark(name="Aalsvoort")
        b_circle = Circle(name="Noord")
        bravo = Company(
            name="Bravo Logistiek",
            kvk_number="12345678",
            sector="Bouw",
            city="Lochem",
            business_park=b_park,
            circles=[b_circle],
        )
        db.session.add_all([b_park, b_circle, bravo])
        db.session.flush()
    members = Members(world, park, other_park, noord, zuid, alpha, anker, bravo, b_park, b_circle)
    db.session.commit()
    return members


@pytest.fixture(autouse=True)
def english(request):
    """The assertions read English text. Dutch is the default, and once its catalog
    is compiled these pages would speak Dutch; so these tests ask for English."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def world(world):
    for side in (world.a, world.b):
        side.tenant.default_locale = "en"
    db.session.commit()
    return world
