"""The panel's feedback per section, counted and summed: what the board reads, and
what the municipality sees once the board releases it — aggregated by default,
with names (and their texts) only of the members who agreed to be named."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, select

from kringwerk.plugin_api import ContactPerson, db, record, utcnow
from plugins.mkb_toets.models import Dossier, DossierSection, Feedback, PanelSeat, Phase, Verdict

RELEASABLE = (
    Phase.CONSULTATION_CLOSED,
    Phase.ADVICE_WRITING,
    Phase.ADVICE_SENT,
    Phase.ANSWERED,
    Phase.PUBLISHED,
)


class ReleaseError(ValueError):
    """A release the rules refuse; ``str()`` is the message for the user."""


@dataclass
class Remark:
    """One member's words on a section; ``name`` is None unless they agreed to be named."""

    name: str | None
    verdict: Verdict | None
    alternative: str | None
    comment: str | None


@dataclass
class SectionFigures:
    section: DossierSection
    verdicts: dict[Verdict, int] = field(default_factory=lambda: dict.fromkeys(Verdict, 0))
    responses: int = 0
    hours_once: int = 0
    hours_yearly: int = 0
    euros_once: int = 0
    euros_yearly: int = 0
    business_kinds: dict[str, int] = field(default_factory=dict)
    remarks: list[Remark] = field(default_factory=list)


def section_figures(dossier: Dossier, *, names: str = "board") -> list[SectionFigures]:
    """Per section: verdict counts, summed burden, kinds of business hit, and remarks.

    ``names="board"`` shows every remark with its author (the association's own view);
    ``names="municipality"`` names only members who agreed and leaves the others' texts
    unnamed; nothing else about who answered passes."""
    figures = {section.id: SectionFigures(section) for section in dossier.sections}
    rows = db.session.execute(
        select(Feedback, PanelSeat.consent_to_name, ContactPerson.name)
        .join(PanelSeat, PanelSeat.id == Feedback.seat_id)
        .outerjoin(ContactPerson, ContactPerson.id == PanelSeat.contact_person_id)
        .where(PanelSeat.dossier_id == dossier.id)
        .order_by(Feedback.section_id, Feedback.id)
    )
    for feedback, consent, name in rows:
        entry = figures.get(feedback.section_id)
        if entry is None:
            continue
        entry.responses += 1
        if feedback.verdict is not None:
            entry.verdicts[feedback.verdict] += 1
        for key in ("hours_once", "hours_yearly", "euros_once", "euros_yearly"):
            setattr(entry, key, getattr(entry, key) + (getattr(feedback, key) or 0))
        for kind in feedback.business_kinds or []:
            entry.business_kinds[kind] = entry.business_kinds.get(kind, 0) + 1
        if feedback.alternative or feedback.comment:
            shown = name if names == "board" or consent else None
            entry.remarks.append(Remark(shown, feedback.verdict, feedback.alternative, feedback.comment))
    return list(figures.values())


def overall_remarks(dossier: Dossier, *, names: str = "board") -> list[Remark]:
    """The members' overall views under the same rules as the remarks per section:
    ``names="board"`` names every author, ``names="municipality"`` only those who agreed."""
    rows = db.session.execute(
        select(PanelSeat.overall, PanelSeat.consent_to_name, ContactPerson.name)
        .outerjoin(ContactPerson, ContactPerson.id == PanelSeat.contact_person_id)
        .where(PanelSeat.dossier_id == dossier.id, PanelSeat.overall.is_not(None), PanelSeat.overall != "")
        .order_by(PanelSeat.id)
    )
    return [
        Remark(name if names == "board" or consent else None, None, None, overall)
        for overall, consent, name in rows
    ]


def seats_count():
    """A scalar subquery: the seats on the panel of the dossier ``dossier_id`` (a bound parameter)."""
    return (
        select(func.count())
        .select_from(PanelSeat)
        .where(PanelSeat.dossier_id == bindparam("dossier_id"))
        .scalar_subquery()
    )


def answered_count():
    """A scalar subquery: the seats of the dossier ``dossier_id`` that gave any feedback."""
    return (
        select(func.count(func.distinct(Feedback.seat_id)))
        .join(PanelSeat, PanelSeat.id == Feedback.seat_id)
        .where(PanelSeat.dossier_id == bindparam("dossier_id"))
        .scalar_subquery()
    )


@functools.cache
def _counts_statement() -> Select:
    # Both counts in one statement, built once per process (the wall adds the tenant per run).
    return select(answered_count(), seats_count())


def response_count(dossier: Dossier) -> tuple[int, int]:
    """(seats that gave any feedback, seats on the panel)."""
    answered, seats = db.session.execute(_counts_statement(), {"dossier_id": dossier.id}).one()
    return answered or 0, seats or 0


def release(dossier: Dossier, *, actor) -> None:
    """Let the municipality see the panel's feedback (aggregated; names by consent)."""
    if dossier.phase not in RELEASABLE:
        raise ReleaseError(_l("Feedback can be released once the consultation has closed."))
    if dossier.released_at is not None:
        return
    dossier.released_at = utcnow()
    record("mkb-toets.feedback_released", actor=actor, target=dossier, target_label=dossier.title)
