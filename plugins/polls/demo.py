"""Demo data of the polls plugin (the ``demo_data`` hook of ``kringwerk demo``).

The business park with forty-odd companies (Aalsvoort in the Industriële Kring
Lochem, after seed 000) gets what the initiative group did there: a closed
poll of every company on the park whose results show on which themes several
companies want to cooperate, and an open follow-up poll with invitations
still outstanding. Answers come from a ``random.Random`` seeded with the
park's name, so every run yields the same demo; a second run adds nothing,
but gives the demo entrepreneur a fresh personal link to print.
"""

from __future__ import annotations

import random
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from kringwerk.plugin_api import (
    BusinessPark,
    Company,
    ContactPerson,
    DemoContribution,
    Theme,
    User,
    db,
    issue_token,
    revoke_tokens,
    utcnow,
)
from plugins.polls.invitations import answer_link
from plugins.polls.models import (
    ANSWER_LINK,
    AudienceKind,
    Poll,
    PollInvitation,
    PollOption,
    PollQuestion,
    PollState,
    QuestionKind,
    ResponseUnit,
    ResultsVisibility,
)

CLOSED_TITLE = "Samenwerken op {park}"
OPEN_TITLE = "Laadplein en zonnedaken op {park}"
MIN_COMPANIES_ON_PARK = 30
RESPONDING_COMPANIES = 40
DEMO_ENTREPRENEUR = "ondernemer@kringwerk.demo"

# How likely a company is (not interested, interested, willing to lead) per theme:
# energy, accessibility and safety are what the Aalsvoort companies share.
THEME_LEANINGS = {
    "energie": (0.3, 0.55, 0.15),
    "bereikbaarheid": (0.45, 0.45, 0.1),
    "veiligheid": (0.5, 0.42, 0.08),
    "circulariteit": (0.75, 0.22, 0.03),
    "arbeidsmarkt": (0.8, 0.18, 0.02),
    "digitalisering": (0.9, 0.1, 0.0),
}


def load_demo_polls(tenant) -> DemoContribution | None:
    park = _largest_park()
    if park is None:
        return None
    added = {}
    closed_title = CLOSED_TITLE.format(park=park.name)
    if db.session.scalar(select(Poll.id).where(Poll.title == closed_title)) is None:
        responses = _closed_poll(park, closed_title)
        added[_l("polls")] = 1
        added[_l("poll responses")] = responses
    open_title = OPEN_TITLE.format(park=park.name)
    open_poll = db.session.scalar(select(Poll).where(Poll.title == open_title))
    if open_poll is None:
        open_poll = _open_poll(park, open_title)
        added[_l("polls")] = added.get(_l("polls"), 0) + 1
    link = _entrepreneur_link(tenant, open_poll)
    links = ((_l("Answer the open poll as the demo entrepreneur"), link),) if link else ()
    return DemoContribution(added=added, links=links)


def _largest_park() -> BusinessPark | None:
    row = db.session.execute(
        select(BusinessPark, func.count(Company.id).label("companies"))
        .join(Company, Company.business_park_id == BusinessPark.id)
        .group_by(BusinessPark.id)
        .order_by(func.count(Company.id).desc(), BusinessPark.id)
        .limit(1)
    ).first()
    if row is None or row.companies < MIN_COMPANIES_ON_PARK:
        return None
    return row[0]


def _themes() -> dict[str, Theme]:
    return {
        theme.key: theme for theme in db.session.scalars(select(Theme).where(Theme.key.in_(THEME_LEANINGS)))
    }


def _options(*labels: str) -> list[PollOption]:
    return [PollOption(label=label, position=index) for index, label in enumerate(labels)]


def _contacts_on(park: BusinessPark) -> list[ContactPerson]:
    return list(
        db.session.scalars(
            select(ContactPerson)
            .join(Company, Company.id == ContactPerson.company_id)
            .where(Company.business_park_id == park.id, ContactPerson.email.is_not(None))
            .order_by(Company.id, ContactPerson.id)
        )
    )


def _invite(poll: Poll, contact: ContactPerson, sent_at) -> PollInvitation:
    # The link went out by mail long ago and nobody holds it: no token is issued.
    invitation = PollInvitation(
        poll_id=poll.id,
        company_id=contact.company_id,
        contact_person_id=contact.id,
        email=contact.email,
        name=contact.name,
        locale=poll.language,
        sent_at=sent_at,
    )
    db.session.add(invitation)
    return invitation


def _closed_poll(park: BusinessPark, title: str) -> int:
    from plugins.polls.answering import record_response

    now = utcnow()
    themes = _themes()
    poll = Poll(
        title=title,
        introduction=(
            "De initiatiefgroep wil weten op welke thema's ondernemers op "
            f"{park.name} willen samenwerken. Het invullen duurt vijf minuten."
        ),
        language="nl",
        state=PollState.CLOSED,
        opens_at=now - timedelta(days=42),
        closes_at=now - timedelta(days=14),
        closed_at=now - timedelta(days=14),
        response_unit=ResponseUnit.COMPANY,
        audience=AudienceKind.ALL,
        audience_filter={"park_ids": [park.id]},
        results_visibility=ResultsVisibility.MEMBERS,
    )
    fund = PollQuestion(
        kind=QuestionKind.SINGLE_CHOICE,
        text="Wilt u bijdragen aan een ondernemersfonds voor het terrein?",
        required=True,
        options=_options("Ja", "Nee", "Weet ik nog niet"),
    )
    items = [
        PollQuestion(kind=QuestionKind.SECTION, text="Uw bedrijf op het terrein"),
        PollQuestion(
            kind=QuestionKind.SCALE,
            text="Hoe tevreden bent u over het bedrijventerrein?",
            required=True,
            settings={"scale": "1-5", "low_label": "Zeer ontevreden", "high_label": "Zeer tevreden"},
        ),
        PollQuestion(
            kind=QuestionKind.MULTIPLE_CHOICE,
            text="Wat mist u het meest?",
            settings={"min_choices": 1, "max_choices": 2},
            options=_options("Glasvezel", "Laadpalen", "Cameratoezicht", "Groen en wandelroutes"),
        ),
        PollQuestion(
            kind=QuestionKind.NUMBER,
            text="Hoeveel medewerkers komen met de auto?",
            settings={"min_value": 0, "max_value": 1000},
        ),
        PollQuestion(kind=QuestionKind.SECTION, text="Samenwerken"),
        PollQuestion(
            kind=QuestionKind.THEME_INTEREST,
            text="Op welke thema's wilt u samenwerken met andere ondernemers?",
            required=True,
            options=[
                PollOption(label=themes[key].name_nl, theme_id=themes[key].id, position=index)
                for index, key in enumerate(THEME_LEANINGS)
                if key in themes
            ],
        ),
        fund,
        PollQuestion(kind=QuestionKind.LONG_TEXT, text="Waarom (nog) niet?"),  # only after "Nee"
        PollQuestion(kind=QuestionKind.LONG_TEXT, text="Wat wilt u de initiatiefgroep nog meegeven?"),
    ]
    for position, item in enumerate(items):
        item.position = position
    poll.questions = items
    db.session.add(poll)
    db.session.flush()
    items[7].condition_option_id = fund.options[1].id
    db.session.flush()

    rng = random.Random(park.name)
    contacts = _contacts_on(park)
    by_company: dict[int, list[ContactPerson]] = {}
    for contact in contacts:
        by_company.setdefault(contact.company_id, []).append(contact)
    invitations = {contact.id: _invite(poll, contact, poll.opens_at) for contact in contacts}
    db.session.flush()
    responding = list(by_company)[:RESPONDING_COMPANIES]
    for company_id in responding:
        answering_contact = by_company[company_id][0]
        values = _closed_poll_answers(rng, items)
        record_response(poll, values, company_id=company_id, contact_person_id=answering_contact.id)
        for contact in by_company[company_id]:
            invitations[contact.id].responded_at = poll.opens_at + timedelta(days=rng.randint(0, 20))
    db.session.flush()
    return len(responding)


def _closed_poll_answers(rng: random.Random, items: list[PollQuestion]) -> MultiDict:
    (_section, satisfaction, missing, cars, _section2, interest, fund, why_not, remarks) = items
    values = MultiDict()
    values.add(f"q{satisfaction.id}", str(rng.choices([1, 2, 3, 4, 5], weights=[1, 3, 5, 6, 2])[0]))
    for option in rng.sample(missing.options, rng.randint(1, 2)):
        values.add(f"q{missing.id}", str(option.id))
    if rng.random() < 0.8:
        values.add(f"q{cars.id}", str(rng.randint(2, 60)))
    for option in interest.options:
        weights = THEME_LEANINGS[option.theme.key]
        values.add(f"q{interest.id}_o{option.id}", str(rng.choices([0, 1, 2], weights=weights)[0]))
    answer = rng.choices(fund.options, weights=[5, 2, 3])[0]
    values.add(f"q{fund.id}", str(answer.id))
    if answer is fund.options[1] and rng.random() < 0.7:
        values.add(f"q{why_not.id}", rng.choice(WHY_NOT))
    if rng.random() < 0.35:
        values.add(f"q{remarks.id}", rng.choice(REMARKS))
    return values


def _open_poll(park: BusinessPark, title: str) -> Poll:
    now = utcnow()
    themes = _themes()
    poll = Poll(
        title=title,
        introduction=(
            "Uit de vorige peiling bleek dat veel bedrijven willen samenwerken op energie. "
            "Wilt u meedoen aan een gezamenlijk laadplein of zonnedaken?"
        ),
        language="nl",
        state=PollState.OPEN,
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=18),
        response_unit=ResponseUnit.COMPANY,
        audience=AudienceKind.ALL,
        audience_filter={"park_ids": [park.id]},
    )
    items = [
        PollQuestion(
            kind=QuestionKind.SINGLE_CHOICE,
            text="Heeft u een dak dat geschikt is voor zonnepanelen?",
            required=True,
            options=_options("Ja", "Nee", "Weet ik niet"),
        ),
        PollQuestion(
            kind=QuestionKind.POINTS,
            text="Verdeel 100 punten over wat u het belangrijkst vindt",
            options=_options("Laadpalen voor personeel", "Zonnedaken", "Batterijopslag", "Warmtenet"),
        ),
        PollQuestion(
            kind=QuestionKind.RANKING,
            text="Rangschik deze projecten naar urgentie",
            options=_options("Laadplein", "Collectieve inkoop zonnepanelen", "Energiecoöperatie"),
        ),
        PollQuestion(
            kind=QuestionKind.THEME_INTEREST,
            text="Wilt u hieraan samenwerken?",
            options=[
                PollOption(label=themes[key].name_nl, theme_id=themes[key].id, position=index)
                for index, key in enumerate(("energie", "bereikbaarheid"))
                if key in themes
            ],
        ),
        PollQuestion(kind=QuestionKind.SHORT_TEXT, text="Wie is bij u de contactpersoon voor energie?"),
    ]
    for position, item in enumerate(items):
        item.position = position
    poll.questions = items
    db.session.add(poll)
    db.session.flush()
    # A few companies invited so far, the demo entrepreneur among them; nobody has answered yet.
    for contact in _contacts_on(park)[:6]:
        _invite(poll, contact, now - timedelta(days=2))
    entrepreneur = _entrepreneur_contact()
    if (
        entrepreneur is not None
        and db.session.scalar(
            select(PollInvitation.id).where(
                PollInvitation.poll_id == poll.id, PollInvitation.email == entrepreneur.email
            )
        )
        is None
    ):
        _invite(poll, entrepreneur, now - timedelta(days=2))
    db.session.flush()
    return poll


def _entrepreneur_contact() -> ContactPerson | None:
    return db.session.scalar(
        select(ContactPerson)
        .join(User, User.id == ContactPerson.user_id)
        .where(User.email == DEMO_ENTREPRENEUR)
    )


def _entrepreneur_link(tenant, poll: Poll) -> str | None:
    """A fresh personal link for the demo entrepreneur (only hashes are stored, so a new one each run)."""
    invitation = db.session.scalar(
        select(PollInvitation).where(
            PollInvitation.poll_id == poll.id, PollInvitation.email == DEMO_ENTREPRENEUR
        )
    )
    if invitation is None or invitation.responded_at is not None:
        return None
    revoke_tokens(ANSWER_LINK, invitation.id)  # the link printed last time stops: one demo link at a time
    raw = issue_token(ANSWER_LINK, invitation.id)
    db.session.flush()
    return answer_link(tenant, poll, raw)


WHY_NOT = (
    "We huren ons pand en weten niet hoe lang we blijven.",
    "Eerst zien wat het fonds oplevert.",
    "Te weinig tijd om mee te denken.",
)
REMARKS = (
    "Graag snel aan de slag met de verlichting langs de Aalsvoortweg.",
    "Goed initiatief, ik denk graag mee over energie.",
    "Maak afspraken over het onderhoud van het groen.",
    "Parkeren op de stoep is een probleem bij de ingang.",
    "Samen inkopen van energie lijkt me zinvol.",
)
