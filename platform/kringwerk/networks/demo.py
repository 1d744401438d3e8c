"""The demo's regional network: municipalities of its associations, the letter of intent
of Ondernemend Cleantech Regio signed by its active members (Bedrijvenkring Zutphen is
invited and has not signed), two associations sharing their directory, and the
initiative group's agreement with the alderman on Aalsvoort (seed 000).

Idempotent: what exists is recognised (letters by title, signatures by party), so a
second run adds nothing. Names of people are invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from kringwerk.accounts.services import find_user
from kringwerk.extensions import db
from kringwerk.networks import letters
from kringwerk.networks.models import DirectorySharing, Letter, LetterVersion, Signatory, Signature
from kringwerk.networks.pdf import letter_pdf
from kringwerk.tenancy.context import tenant_scope
from kringwerk.tenancy.models import Tenant

NETWORK = "cleantech-regio"
MUNICIPALITIES = {
    "ikl": "Lochem",
    "mkb-deventer": "Deventer",
    "ondernemend-apeldoorn": "Apeldoorn",
    "bedrijvenkring-zutphen": "Zutphen",
}
SHARING = ("ikl", "mkb-deventer")

LETTER_TITLE = "Intentieverklaring Ondernemend Cleantech Regio"
LETTER_TEXT = """De ondertekenende bedrijvenkringen en ondernemersverenigingen uit de gemeenten van de Cleantech Regio verklaren samen te werken onder de naam Ondernemend Cleantech Regio.

Zij willen de positie van ondernemers, de communicatie tussen ondernemers en de impact van de verenigingen versterken, en samen werken aan het economisch- en vestigingsklimaat, handel en kennisuitwisseling.

Zij verbinden hun leden rond het thema cleantech en spannen zich samen in voor de ambities van de Agenda Cleantech Regio, waaronder jaarlijks minimaal 100 startups of nieuwe business cases.

Zij bieden gezamenlijk overkoepelende themabijeenkomsten aan, open voor de leden van iedere vereniging, om innovatiesamenwerking te stimuleren."""
FIRST_TEXT = LETTER_TEXT.rsplit("\n\n", 1)[0]


@dataclass(frozen=True)
class Chair:
    slug: str
    name: str
    email: str | None  # the demo account that signed, if any


CHAIRS = (
    Chair("ikl", "Marieke Dijkstra", "bestuur@kringwerk.demo"),
    Chair("mkb-deventer", "Erik Scholten", "bestuur.deventer@kringwerk.demo"),
    Chair("ondernemend-apeldoorn", "Pieter Hendriks", None),
)
SIGNED_ON = date(2018, 7, 3)

GROUP = "ikl"
GROUP_TITLE = "Intentieovereenkomst bedrijventerrein Aalsvoort"
GROUP_TEXT = """De initiatiefgroep van ondernemers op bedrijventerrein Aalsvoort en de gemeente Lochem willen samen werken aan een duurzame toekomst van het bedrijventerrein: schoon, (verkeers)veilig en met een sterker vestigingsklimaat.

De initiatiefgroep betrekt alle ondernemers op Aalsvoort; in april brengt een peiling via het ondernemerspanel hun wensen in kaart. De gemeente heeft straks een georganiseerde gesprekspartner."""
ALDERMAN = ("Gerrit Haverkamp", "Wethouder Economie", "Gemeente Lochem", "wethouder@lochem.example")


def _version_id(letter: Letter, number: int, title: str, text: str, author) -> int:
    version = db.session.scalar(
        select(LetterVersion).where(LetterVersion.letter_id == letter.id, LetterVersion.number == number)
    )
    if version is None:
        version = LetterVersion(
            letter_id=letter.id,
            number=number,
            title=title,
            text=text,
            created_by_id=getattr(author, "id", None),
            created_by_name=getattr(author, "name", None),
            created_at=datetime(2018, 6, 1 + number, 10, 0, tzinfo=UTC),
        )
        db.session.add(version)
        db.session.flush()
    return version.id


def _sign(version_id: int, party: str, name: str, function: str, organisation: str, **ids) -> int:
    if db.session.scalar(
        select(Signature.id).where(Signature.letter_version_id == version_id, Signature.party == party)
    ):
        return 0
    db.session.add(
        Signature(
            letter_version_id=version_id,
            party=party,
            full_name=name,
            function=function,
            organisation=organisation,
            signed_on=SIGNED_ON,
            signed_at=datetime(2018, 7, 3, 16, 30, tzinfo=UTC),
            **ids,
        )
    )
    db.session.flush()
    return 1


def _letter(title: str) -> tuple[Letter, bool]:
    letter = db.session.scalar(select(Letter).where(Letter.title == title))
    if letter is not None:
        return letter, False
    letter = Letter(title=title, created_at=datetime(2018, 6, 1, 10, 0, tzinfo=UTC))
    db.session.add(letter)
    db.session.flush()
    return letter, True


def load(tenants: dict[str, Tenant], added: dict[str, dict[str, int]]) -> list[tuple[str, str]]:
    """Add what is missing; count it in ``added``; return the links to print."""
    from kringwerk.web.urls import external_url

    def count(slug: str, what: str, n: int) -> None:
        if n:
            added.setdefault(slug, {})[what] = added.get(slug, {}).get(what, 0) + n

    slugs = set(MUNICIPALITIES) | {NETWORK}
    known = {t.slug: t for t in db.session.scalars(select(Tenant).where(Tenant.slug.in_(slugs)))}
    for slug, municipality in MUNICIPALITIES.items():
        if slug in known and not known[slug].municipality:
            known[slug].municipality = municipality
    network = known.get(NETWORK)
    links: list[tuple[str, str]] = []
    if network is None:
        return links
    board = find_user("bestuur@kringwerk.demo")
    with tenant_scope(network):
        letter, new = _letter(LETTER_TITLE)
        count(NETWORK, "letters", int(new))
        _version_id(letter, 1, LETTER_TITLE, FIRST_TEXT, board)
        current = _version_id(letter, 2, LETTER_TITLE, LETTER_TEXT, board)
        for chair in CHAIRS:
            member = known.get(chair.slug)
            if member is None:
                continue
            user = find_user(chair.email) if chair.email else None
            count(
                NETWORK,
                "signatures",
                _sign(
                    current,
                    letters.tenant_party(member.id),
                    chair.name,
                    "Voorzitter",
                    member.name,
                    member_tenant_id=member.id,
                    user_id=getattr(user, "id", None),
                ),
            )
        version = db.session.get(LetterVersion, current)
        pdf = letter_pdf(network, version)
    path = Path(current_app.instance_path) / "demo" / "intentieverklaring-cleantech-regio.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)
    links.append(
        (
            LETTER_TITLE + " (PDF)",
            external_url(
                "networks.letter_pdf_download", tenant=NETWORK, letter_id=letter.id, letter_version_id=current
            ),
        )
    )
    links.append((LETTER_TITLE + " (PDF, file)", str(path)))
    for slug in SHARING:
        if slug in known:
            with tenant_scope(known[slug]):
                if db.session.scalar(select(DirectorySharing)) is None:
                    db.session.add(DirectorySharing(shared=True, changed_by_id=getattr(board, "id", None)))
                    db.session.flush()
                    count(slug, "directory shared", 1)
    group = known.get(GROUP)
    if group is not None:
        with tenant_scope(group):
            letter, new = _letter(GROUP_TITLE)
            count(GROUP, "letters", int(new))
            version_id = _version_id(letter, 1, GROUP_TITLE, GROUP_TEXT, board)
            count(
                GROUP,
                "signatures",
                _sign(
                    version_id,
                    letters.tenant_party(group.id),
                    "Marieke Dijkstra",
                    "Namens de initiatiefgroep Aalsvoort",
                    group.name,
                    member_tenant_id=group.id,
                    user_id=getattr(board, "id", None),
                ),
            )
            name, function, organisation, email = ALDERMAN
            signatory = db.session.scalar(select(Signatory).where(Signatory.letter_id == letter.id))
            if signatory is None:
                signatory = Signatory(
                    letter_id=letter.id, name=name, function=function, organisation=organisation, email=email
                )
                db.session.add(signatory)
                db.session.flush()
            count(
                GROUP,
                "signatures",
                _sign(
                    version_id,
                    letters.person_party(signatory.id),
                    name,
                    function,
                    organisation,
                    signatory_id=signatory.id,
                ),
            )
            links.append(
                (
                    GROUP_TITLE,
                    external_url("networks.letter", tenant=GROUP, letter_id=letter.id),
                )
            )
    return links
