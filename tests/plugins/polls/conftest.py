"""Fixtures for the polls tests: the plugin enabled in both tenants, companies
with contact persons in both, and ``make_poll`` to build a poll with one
question of every kind straight from the models (no service involved, so a
broken service cannot hide behind its own fixture).

Use objects inside ``tenant_scope(...)`` and plain ids everywhere else: the
fixtures commit, and an expired row of a tenant reloads only in its scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from kringwerk.extensions import db, utcnow
from kringwerk.members.models import BusinessPark, Circle, Company, ContactPerson, Theme
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.polls.models import (
    Poll,
    PollOption,
    PollQuestion,
    PollState,
    QuestionKind,
)

# Tenant A's companies: (name, sector, employees, park, circle, contacts)
COMPANIES_A = (
    ("Alpha Bouw BV", "Bouw", 40, "Aalsvoort", "Noord", ("anna@alpha.test", "arie@alpha.test")),
    ("Bakkerij Berends", "Voeding", 8, "Aalsvoort", "Noord", ("bert@berends.test",)),
    ("Chemie Colmschate", "Industrie", 120, "Aalsvoort", "Zuid", ("carla@chemie.test",)),
    ("Drukkerij De Wit", "Industrie", 15, "De Wieken", "Zuid", ("dirk@dewit.test",)),
    ("Elektro Eefde", "Installatie", 25, "De Wieken", None, ("eva@elektro.test",)),
    ("Fietsen Freriks", "Detailhandel", 3, None, None, ()),  # no contact: cannot be invited
)


@dataclass
class PollsWorld:
    """Both tenants with the polls plugin on, and their companies' ids by name."""

    world: object
    company_ids: dict[str, int] = field(default_factory=dict)  # tenant A, by name
    contact_ids: dict[str, int] = field(default_factory=dict)  # tenant A, by e-mail
    park_ids: dict[str, int] = field(default_factory=dict)  # tenant A
    circle_ids: dict[str, int] = field(default_factory=dict)  # tenant A
    b_company_id: int = 0
    b_contact_id: int = 0

    @property
    def a(self):
        return self.world.a

    @property
    def b(self):
        return self.world.b


@pytest.fixture
def polls_world(world) -> PollsWorld:
    result = PollsWorld(world)
    for side in (world.a, world.b):
        enable_plugin(side.tenant, "polls")
    with tenant_scope(world.a.tenant):
        parks = {name: BusinessPark(name=name) for name in ("Aalsvoort", "De Wieken")}
        circles = {name: Circle(name=name) for name in ("Noord", "Zuid")}
        db.session.add_all([*parks.values(), *circles.values()])
        companies = []
        for name, sector, employees, park, circle, emails in COMPANIES_A:
            company = Company(
                name=name,
                sector=sector,
                employees=employees,
                business_park=parks.get(park),
                circles=[circles[circle]] if circle else [],
            )
            for email in emails:
                company.contacts.append(ContactPerson(name=email.split("@")[0].title(), email=email))
            companies.append(company)
        db.session.add_all(companies)
        db.session.flush()
        result.park_ids = {name: park.id for name, park in parks.items()}
        result.circle_ids = {name: circle.id for name, circle in circles.items()}
        result.company_ids = {company.name: company.id for company in companies}
        result.contact_ids = {
            contact.email: contact.id for company in companies for contact in company.contacts
        }
    with tenant_scope(world.b.tenant):
        bravo = Company(name="Bravo Logistiek", sector="Logistiek", employees=30)
        bravo.contacts.append(ContactPerson(name="Bram", email="bram@bravo.test"))
        db.session.add(bravo)
        db.session.flush()
        result.b_company_id = bravo.id
        result.b_contact_id = bravo.contacts[0].id
    db.session.commit()
    return result


def _options(*labels: str) -> list[PollOption]:
    return [PollOption(label=label, position=index) for index, label in enumerate(labels)]


def make_poll(tenant, *, title: str = "Samenwerken op Aalsvoort", state=PollState.OPEN, **values) -> int:
    """A poll in ``tenant`` with a section and one question of every kind; returns its id.

    Open from an hour ago for a week unless ``values`` say otherwise. The
    theme-interest question offers the tenant's first three themes; the
    long-text question shows only when the single-choice answer is "Ja".
    """
    now = utcnow()
    with tenant_scope(tenant):
        themes = list(db.session.scalars(select(Theme).order_by(Theme.position).limit(3)))
        poll = Poll(
            title=title,
            introduction="Wat wilt u samen met andere ondernemers aanpakken?",
            language="nl",
            state=state,
            opens_at=values.pop("opens_at", now - timedelta(hours=1)),
            closes_at=values.pop("closes_at", now + timedelta(days=7)),
            **values,
        )
        single = PollQuestion(
            kind=QuestionKind.SINGLE_CHOICE,
            text="Bent u lid van de kring?",
            required=True,
            options=_options("Ja", "Nee"),
        )
        items = [
            PollQuestion(
                kind=QuestionKind.SECTION, text="Over uw bedrijf", help_text="Een paar korte vragen."
            ),
            single,
            PollQuestion(
                kind=QuestionKind.MULTIPLE_CHOICE,
                text="Welke voorzieningen mist u?",
                settings={"min_choices": 1, "max_choices": 2},
                options=_options("Glasvezel", "Laadpalen", "Beveiliging"),
            ),
            PollQuestion(kind=QuestionKind.SCALE, text="Hoe tevreden bent u?", settings={"scale": "1-5"}),
            PollQuestion(
                kind=QuestionKind.SCALE,
                text="Hoe waarschijnlijk beveelt u het terrein aan?",
                settings={"scale": "0-10"},
            ),
            PollQuestion(
                kind=QuestionKind.NUMBER,
                text="Hoeveel parkeerplaatsen heeft u?",
                settings={"min_value": 0, "max_value": 500},
            ),
            PollQuestion(kind=QuestionKind.SHORT_TEXT, text="Wie is uw contactpersoon?"),
            PollQuestion(kind=QuestionKind.LONG_TEXT, text="Waarom bent u lid?"),  # condition set below
            PollQuestion(
                kind=QuestionKind.RANKING,
                text="Rangschik de prioriteiten",
                options=_options("Veiligheid", "Energie", "Groen"),
            ),
            PollQuestion(
                kind=QuestionKind.POINTS,
                text="Verdeel 100 punten",
                options=_options("Wegen", "Groen", "Verlichting"),
            ),
            PollQuestion(
                kind=QuestionKind.THEME_INTEREST,
                text="Op welke thema's wilt u samenwerken?",
                options=[
                    PollOption(label=theme.name_nl, theme_id=theme.id, position=i)
                    for i, theme in enumerate(themes)
                ],
            ),
        ]
        for position, item in enumerate(items):
            item.position = position
        poll.questions = items
        db.session.add(poll)
        db.session.flush()
        items[7].condition_option_id = single.options[0].id
        db.session.flush()
        poll_id = poll.id
    db.session.commit()
    return poll_id


@pytest.fixture
def poll_id(polls_world) -> int:
    """An open poll in tenant A with one question of every kind."""
    return make_poll(polls_world.a.tenant)


@pytest.fixture
def b_poll_id(polls_world) -> int:
    """An open poll in tenant B, to check that A never reaches it (and vice versa)."""
    return make_poll(polls_world.b.tenant, title="Poll of tenant B")
