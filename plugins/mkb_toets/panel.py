"""Composing a dossier's panel: from the tenant's standing panel, from chosen
companies (their contact persons), or from a directory-like filter (sector, park,
circle, size). Only contact persons with an e-mail address get a seat; a person
already seated is skipped. Seats added while the consultation is open are invited
at once; otherwise the invitations go when it opens."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from kringwerk.plugin_api import (
    Company,
    ContactPerson,
    company_circles,
    db,
    delete_tokens,
    panel_contacts,
    record,
    utcnow,
)
from plugins.mkb_toets import mailing
from plugins.mkb_toets.models import FEEDBACK_LINK, Dossier, Feedback, PanelSeat, Phase

# Phases in which the panel may still change.
COMPOSABLE = (Phase.DRAFT, Phase.CONSULTATION_OPEN)


class PanelError(ValueError):
    """A change of the panel the rules refuse; ``str()`` is the message for the user."""


@dataclass(frozen=True)
class CompanyFilter:
    """Like the directory's filters: every given criterion must hold."""

    sector: str | None = None
    business_park_id: int | None = None
    circle_id: int | None = None
    min_employees: int | None = None
    max_employees: int | None = None

    def contacts(self) -> Select:
        statement = select(ContactPerson).join(Company, Company.id == ContactPerson.company_id)
        if self.sector:
            statement = statement.where(Company.sector == self.sector)
        if self.business_park_id is not None:
            statement = statement.where(Company.business_park_id == self.business_park_id)
        if self.circle_id is not None:
            statement = statement.where(
                Company.id.in_(
                    select(company_circles.c.company_id).where(company_circles.c.circle_id == self.circle_id)
                )
            )
        if self.min_employees is not None:
            statement = statement.where(Company.employees >= self.min_employees)
        if self.max_employees is not None:
            statement = statement.where(Company.employees <= self.max_employees)
        return statement


def _seat(dossier: Dossier, contacts: Iterable[ContactPerson], *, actor, source: str) -> list[PanelSeat]:
    if dossier.phase not in COMPOSABLE:
        raise PanelError(_l("The panel is fixed once the consultation has closed."))
    seated = set(
        db.session.scalars(select(PanelSeat.contact_person_id).where(PanelSeat.dossier_id == dossier.id))
    )
    added = []
    for contact in contacts:
        if contact.id in seated or not contact.email:
            continue
        seated.add(contact.id)
        seat = PanelSeat(dossier_id=dossier.id, contact_person_id=contact.id, invited_at=utcnow())
        db.session.add(seat)
        added.append(seat)
    db.session.flush()
    if dossier.phase == Phase.CONSULTATION_OPEN:
        for seat in added:
            mailing.invite(seat, dossier)
    record(
        "mkb-toets.panel_composed",
        actor=actor,
        target=dossier,
        target_label=dossier.title,
        details={"source": source, "added": len(added)},
    )
    return added


def standing_panel_size() -> int:
    """How many contact persons the tenant's standing panel holds."""
    return db.session.scalar(select(func.count()).select_from(panel_contacts().subquery())) or 0


def add_standing_panel(dossier: Dossier, *, actor) -> list[PanelSeat]:
    return _seat(dossier, db.session.scalars(panel_contacts()), actor=actor, source="standing_panel")


def add_companies(dossier: Dossier, company_ids: Iterable[int], *, actor) -> list[PanelSeat]:
    """The contact persons of the chosen companies of this tenant (others' ids find nothing)."""
    ids = [int(value) for value in company_ids]
    contacts = db.session.scalars(
        select(ContactPerson).where(ContactPerson.company_id.in_(ids)).order_by(ContactPerson.id)
    )
    return _seat(dossier, contacts, actor=actor, source="companies")


def add_filtered(dossier: Dossier, filters: CompanyFilter, *, actor) -> list[PanelSeat]:
    return _seat(
        dossier,
        db.session.scalars(filters.contacts().order_by(ContactPerson.id)),
        actor=actor,
        source="filter",
    )


@dataclass(frozen=True)
class SeatRemoval:
    """What removing a seat would do, for the confirmation page."""

    seat: PanelSeat
    sections: int  # sections they gave feedback on, deleted with the seat
    overall: bool  # whether their overall view goes too


def seat_of(dossier: Dossier, seat_id: int) -> PanelSeat | None:
    return db.session.scalar(
        select(PanelSeat).where(PanelSeat.id == seat_id, PanelSeat.dossier_id == dossier.id)
    )


def removal(dossier: Dossier, seat: PanelSeat) -> SeatRemoval:
    given = db.session.scalar(select(func.count()).select_from(Feedback).where(Feedback.seat_id == seat.id))
    return SeatRemoval(seat, given or 0, bool(seat.overall))


def remove_seat(dossier: Dossier, seat_id: int, *, actor) -> SeatRemoval | None:
    """Take a seat off the panel while the panel may change (draft or consultation open).

    Their personal links are deleted at once, so a link already sent stops working, and
    their feedback goes with the seat: whoever is taken off the panel no longer counts
    in its figures (the board removes a person who should not have been on it). Once the
    consultation has closed the panel is fixed: the advice rests on its feedback, which
    may have been released to the municipality. (Erasing a person on request is the
    contact person's removal, which keeps their figures anonymously: see ``privacy``.)
    Returns None when the seat is not on this dossier's panel."""
    if dossier.phase not in COMPOSABLE:
        raise PanelError(
            _l(
                "The panel is fixed once the consultation has closed: the advice rests on its feedback. "
                "To erase a person's data, remove them as a contact person."
            )
        )
    seat = seat_of(dossier, seat_id)
    if seat is None:
        return None
    result = removal(dossier, seat)
    contact = db.session.get(ContactPerson, seat.contact_person_id) if seat.contact_person_id else None
    delete_tokens(FEEDBACK_LINK, [seat.id])
    db.session.delete(seat)
    db.session.flush()
    record(
        "mkb-toets.seat_removed",
        actor=actor,
        target=dossier,
        target_label=dossier.title,
        details={
            "contact_person_id": seat.contact_person_id,
            "name": contact.name if contact is not None else None,
            "feedback_deleted": result.sections,
            "overall_deleted": result.overall,
        },
    )
    return result
