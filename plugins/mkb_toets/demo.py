"""Demo data of the MKB-toets plugin (the ``demo_data`` hook of ``kringwerk demo``), after
seed 004: MKB Leidschendam-Voorburg and its municipality test draft policy with a panel
of local entrepreneurs. One dossier is open for feedback (some in already), one went
through every phase last spring and is closed and published with the panel's
feedback released. The entrepreneurs are the demo's own contact persons; a second run
adds nothing."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import ContactPerson, DemoContribution, PanelMember, db, revoke_tokens, utcnow
from plugins.mkb_toets.mailing import feedback_link
from plugins.mkb_toets.models import (
    FEEDBACK_LINK,
    AdvicePoint,
    AdviceVersion,
    Answer,
    Dossier,
    DossierSection,
    Feedback,
    PanelSeat,
    Phase,
    PhaseChange,
    Verdict,
)

TENANTS = ("mkb-lv",)

OPEN = {
    "title": "Venstertijden bevoorrading centrum Leidschendam",
    "policy_area": "Verkeer en economie",
    "problem": "Vrachtwagens rijden de hele dag door de smalle winkelstraten; dat is onveilig voor voetgangers en fietsers.",
    "proposal": "Laden en lossen in het centrum alleen van 7.00 tot 11.00 uur, met een ontheffing voor koel- en vriesvervoer.",
    "affected": "Winkels, horeca en hun leveranciers in het centrum van Leidschendam.",
    "expected_effect": "Minder vrachtverkeer overdag en een aantrekkelijker centrum.",
    "contact_name": "Annelies Brouwer",
    "contact_email": "gemeente@kringwerk.demo",
}
OPEN_SECTIONS = (
    ("Venstertijden", "Laden en lossen mag alleen op werkdagen van 7.00 tot 11.00 uur."),
    (
        "Ontheffingen",
        "Koel- en vriesvervoer kan een ontheffing aanvragen; die kost 120 euro per voertuig per jaar.",
    ),
    ("Handhaving", "Camera's bij de toegangswegen controleren de venstertijden vanaf 1 september."),
)
CLOSED = {
    "title": "Reclame- en uitstallingenbeleid Voorburg",
    "policy_area": "Openbare ruimte",
    "problem": "Borden, vlaggen en uitstallingen maken de stoepen in het winkelgebied smal.",
    "proposal": "Eén regel voor de hele gemeente: uitstallingen tot 1 meter van de gevel, reclameborden met een vergunning.",
    "affected": "Winkeliers en horeca in Voorburg-Midden en Leidschendam-centrum.",
    "expected_effect": "Ruimere stoepen en één duidelijke regel voor iedereen.",
    "contact_name": "Annelies Brouwer",
    "contact_email": "gemeente@kringwerk.demo",
}
CLOSED_SECTIONS = (
    ("Uitstallingen", "Uitstallingen staan tegen de gevel en niet verder dan 1 meter de stoep op."),
    ("Reclameborden", "Een los reclamebord op de stoep vraagt een vergunning van 75 euro per jaar."),
)
# (section index, verdict, hours once, hours a year, euros once, euros a year, kinds, alternative, comment)
OPEN_FEEDBACK = (
    (
        0,
        Verdict.WITH_CHANGES,
        None,
        60,
        None,
        2400,
        ["retail", "small"],
        "Tot 12.00 uur, en op zaterdag vanaf 6.00 uur.",
        "Veel leveranciers komen pas na tienen.",
    ),
    (
        0,
        Verdict.NOT_WORKABLE,
        None,
        120,
        None,
        5000,
        ["hospitality"],
        "Een laad- en losplek aan de rand van het centrum.",
        None,
    ),
    (
        1,
        Verdict.WITH_CHANGES,
        4,
        None,
        120,
        120,
        ["hospitality", "small"],
        "Ontheffing per bedrijf in plaats van per voertuig.",
        None,
    ),
)
CLOSED_FEEDBACK = (
    (0, Verdict.WORKABLE, None, None, None, None, ["retail"], None, "Eén regel is duidelijker dan nu."),
    (
        1,
        Verdict.NOT_WORKABLE,
        2,
        2,
        None,
        75,
        ["retail", "self_employed"],
        "Geen vergunning, wel een maximummaat.",
        "75 euro per jaar is veel voor een klein bord.",
    ),
    (
        1,
        Verdict.WITH_CHANGES,
        None,
        1,
        None,
        75,
        ["hospitality"],
        "Vergunning voor vijf jaar tegelijk.",
        None,
    ),
)


# (section index, point, answer, explanation)
ADVICE = (
    (
        0,
        "Sta uitstallingen tot 1,5 meter toe waar de stoep breder is dan 3 meter.",
        Answer.PARTLY,
        "Tot 1,5 meter in de brede straten van Voorburg-Midden; elders blijft het 1 meter.",
    ),
    (1, "Geen vergunning voor een los reclamebord, wel een maximummaat.", Answer.ADOPTED, None),
    (
        1,
        "Laat een vergunning, als die blijft, vijf jaar gelden.",
        Answer.NOT_ADOPTED,
        "Met de vrijstelling uit punt 2 is er geen vergunning meer nodig.",
    ),
)


def _advice(dossier: Dossier) -> None:
    """The advice of the closed dossier, sent and answered point by point."""
    answered_at = utcnow() - timedelta(days=120)
    for number, (section, text, answer, explanation) in enumerate(ADVICE, start=1):
        db.session.add(
            AdvicePoint(
                dossier_id=dossier.id,
                number=number,
                section_id=dossier.sections[section].id,
                text=text,
                answer=answer,
                explanation=explanation,
                answered_at=answered_at,
            )
        )
    points = [
        {
            "number": number,
            "text": text,
            "section": f"{dossier.sections[section].number}. {dossier.sections[section].heading}",
        }
        for number, (section, text, _answer, _explanation) in enumerate(ADVICE, start=1)
    ]
    db.session.add(
        AdviceVersion(dossier_id=dossier.id, number=1, points=points, sent_at=utcnow() - timedelta(days=140))
    )


def _dossier(
    values, sections, phase, *, closes_in: timedelta, history: tuple[Phase, ...], started: timedelta
) -> Dossier:
    now = utcnow()
    dossier = Dossier(**values, phase=phase, consultation_closes_at=now + closes_in)
    db.session.add(dossier)
    db.session.flush()
    for number, (heading, body) in enumerate(sections, start=1):
        dossier.sections.append(
            DossierSection(dossier_id=dossier.id, number=number, heading=heading, body=body)
        )
    previous = None
    for step, to in enumerate(history):
        db.session.add(
            PhaseChange(
                dossier_id=dossier.id,
                from_phase=previous,
                to_phase=to,
                actor_label="Annelies Brouwer"
                if to in (Phase.DRAFT, Phase.ANSWERED)
                else "Sanne van Leeuwen",
                changed_at=now - started + timedelta(days=7 * step),
            )
        )
        previous = to
    db.session.flush()
    return dossier


def _panel(dossier: Dossier, contacts: list[ContactPerson], rows) -> int:
    seats = []
    for index, contact in enumerate(contacts):
        seat = PanelSeat(dossier_id=dossier.id, contact_person_id=contact.id, consent_to_name=index % 2 == 0)
        db.session.add(seat)
        seats.append(seat)
    db.session.flush()
    for seat, (section, verdict, h_once, h_year, e_once, e_year, kinds, alternative, comment) in zip(
        seats, rows, strict=False
    ):
        db.session.add(
            Feedback(
                seat_id=seat.id,
                section_id=dossier.sections[section].id,
                verdict=verdict,
                hours_once=h_once,
                hours_yearly=h_year,
                euros_once=e_once,
                euros_yearly=e_year,
                business_kinds=kinds,
                alternative=alternative,
                comment=comment,
            )
        )
    return len(seats)


def load_demo_dossiers(tenant) -> DemoContribution | None:
    if tenant.slug not in TENANTS:
        return None
    added = _load_dossiers() if db.session.scalar(select(Dossier.id).limit(1)) is None else {}
    standing = _standing_panel()
    if standing:
        added = {**added, _l("standing panel members"): standing}
    link = _panel_member_link()
    links = ((_l("Give feedback on the open dossier as a panel member"), link),) if link else ()
    return DemoContribution(added=added, links=links) if added or links else None


def _standing_panel() -> int:
    """The association's standing entrepreneurs' panel: the demo contacts that sit on the
    dossiers' panels, so "Add the standing panel" has people to add. Only where it is empty."""
    if db.session.scalar(select(PanelMember.id).limit(1)) is not None:
        return 0
    contacts = db.session.scalars(
        select(ContactPerson.id).where(ContactPerson.email.is_not(None)).order_by(ContactPerson.id).limit(8)
    ).all()
    db.session.add_all(PanelMember(contact_person_id=contact_id) for contact_id in contacts)
    db.session.flush()
    return len(contacts)


def _panel_member_link() -> str | None:
    """A fresh personal link for a panel member of the open dossier who has not answered yet
    (only hashes are stored, so a new one each run; the one printed last time stops)."""
    seat = db.session.scalar(
        select(PanelSeat)
        .join(Dossier, Dossier.id == PanelSeat.dossier_id)
        .where(Dossier.title == OPEN["title"], Dossier.phase == Phase.CONSULTATION_OPEN)
        .where(~select(Feedback.id).where(Feedback.seat_id == PanelSeat.id).exists())
        .order_by(PanelSeat.id)
        .limit(1)
    )
    if seat is None:
        return None
    revoke_tokens(FEEDBACK_LINK, seat.id)
    link = feedback_link(seat)
    db.session.flush()
    return link


def _load_dossiers() -> dict:
    contacts = list(
        db.session.scalars(
            select(ContactPerson).where(ContactPerson.email.is_not(None)).order_by(ContactPerson.id).limit(8)
        )
    )
    open_dossier = _dossier(
        OPEN,
        OPEN_SECTIONS,
        Phase.CONSULTATION_OPEN,
        closes_in=timedelta(days=10),
        history=(Phase.DRAFT, Phase.CONSULTATION_OPEN),
        started=timedelta(days=10),
    )
    closed = _dossier(
        CLOSED,
        CLOSED_SECTIONS,
        Phase.PUBLISHED,
        closes_in=-timedelta(days=150),
        history=tuple(Phase),
        started=timedelta(days=200),
    )
    closed.released_at = utcnow() - timedelta(days=150)
    _advice(closed)
    seats = _panel(open_dossier, contacts[:6], OPEN_FEEDBACK) + _panel(closed, contacts[2:8], CLOSED_FEEDBACK)
    db.session.flush()
    return {_l("MKB-toets dossiers"): 2, _l("panel seats"): seats}
