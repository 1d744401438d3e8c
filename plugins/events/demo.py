"""Demo data of the events plugin (the ``demo_data`` hook of ``kringwerk demo``), after
seeds 003 and 004: Ondernemend Cleantech Regio's theme meetings open to the members of
every association (one of 150 seats nearly full, one full with a waiting list), MKB
Leidschendam-Voorburg's year with its municipality (the regional SME event, a networking
event with a vocational school and a bank, the Day of the Entrepreneur), and the
Industriële Kring Lochem's follow-up meeting on energy after its poll. The people signed
up are fictional guests; a second run adds nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import DemoContribution, Theme, db, utcnow
from plugins.events.models import Audience, Event, EventState, Registration, RegistrationStatus
from plugins.events.services import LOCAL, local


def _next(month: int, day: int, hour: int = 16, hours: int = 3) -> tuple[datetime, datetime]:
    """The next such local date from today, as UTC start and end."""
    today = local(utcnow()).date()
    when = date(today.year, month, day)
    if when < today:
        when = date(today.year + 1, month, day)
    start = datetime.combine(when, time(hour, 0), tzinfo=LOCAL)
    return start, start + timedelta(hours=hours)


def _soon(days: int, hour: int = 16, hours: int = 2) -> tuple[datetime, datetime]:
    when = local(utcnow()).date() + timedelta(days=days)
    start = datetime.combine(when, time(hour, 0), tzinfo=LOCAL)
    return start, start + timedelta(hours=hours)


def _themes(*keys: str) -> list[Theme]:
    return list(db.session.scalars(select(Theme).where(Theme.key.in_(keys))))


def _event(title, when, *, confirmed=0, waiting=0, themes=(), **values) -> Event:
    event = Event(
        title=title,
        starts_at=when[0],
        ends_at=when[1],
        state=EventState.PUBLISHED,
        seats_taken=confirmed,
        arrivals=confirmed + waiting,
        **values,
    )
    event.themes = _themes(*themes)
    db.session.add(event)
    db.session.flush()
    for number in range(1, confirmed + waiting + 1):
        db.session.add(
            Registration(
                event_id=event.id,
                person=f"guest:deelnemer{number}@voorbeeld.nl",
                name=f"Deelnemer {number}",
                email=f"deelnemer{number}@voorbeeld.nl",
                status=RegistrationStatus.CONFIRMED if number <= confirmed else RegistrationStatus.WAITING,
                position=number,
                confirmed_at=utcnow() if number <= confirmed else None,
            )
        )
    return event


def _cleantech() -> list[Event]:
    return [
        _event(
            "Themabijeenkomst circulair ondernemen",
            _soon(21),
            description="De tweede themabijeenkomst van Ondernemend Cleantech Regio, open voor de leden van alle verenigingen.",
            venue="Paleis Het Loo, Apeldoorn",
            organiser="Ondernemend Cleantech Regio",
            capacity=150,
            confirmed=143,
            audience=Audience.NETWORK,
            themes=("circulariteit",),
        ),
        _event(
            "Werkgevers en talent in de Stedendriehoek",
            _soon(35),
            description="Hoe vindt iedere werkgever de medewerkers die zij nodig heeft?",
            venue="Deventer",
            organiser="Ondernemend Cleantech Regio",
            capacity=40,
            confirmed=40,
            waiting=6,
            audience=Audience.NETWORK,
            themes=("arbeidsmarkt",),
        ),
    ]


def _mkb_lv() -> list[Event]:
    return [
        _event(
            "MKB Regio Event",
            _next(2, 2, hour=15, hours=4),
            venue="Mall of the Netherlands, Leidschendam",
            organiser="MKB Leidschendam-Voorburg",
            partners="Gemeente Leidschendam-Voorburg",
            audience=Audience.PUBLIC,
            capacity=300,
            themes=("vestigingsklimaat",),
        ),
        _event(
            "Netwerkbijeenkomst Back to School",
            _next(4, 9),
            organiser="MKB Leidschendam-Voorburg",
            partners="MBO Rijnland, Rabobank",
            audience=Audience.MEMBERS,
            capacity=80,
            themes=("arbeidsmarkt",),
        ),
        _event(
            "Dag van de Ondernemer",
            _next(11, 20, hour=17),
            organiser="MKB Leidschendam-Voorburg",
            partners="Gemeente Leidschendam-Voorburg",
            audience=Audience.PUBLIC,
        ),
    ]


def _ikl() -> list[Event]:
    return [
        _event(
            "Themabijeenkomst energie op Aalsvoort",
            _soon(28),
            description="Vervolg op de peiling: samen zonnedaken en een laadplein op Aalsvoort.",
            venue="Aalsvoort, Lochem",
            organiser="Industriële Kring Lochem",
            capacity=30,
            confirmed=12,
            audience=Audience.MEMBERS,
            themes=("energie",),
        )
    ]


BUILDERS = {"cleantech-regio": _cleantech, "mkb-lv": _mkb_lv, "ikl": _ikl}


def load_demo_events(tenant) -> DemoContribution | None:
    build = BUILDERS.get(tenant.slug)
    if build is None or db.session.scalar(select(Event.id).limit(1)) is not None:
        return None
    events = build()
    db.session.flush()
    # No link to print: the calendar is in every demo tenant's navigation.
    return DemoContribution(added={_l("events"): len(events)})
