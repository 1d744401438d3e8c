"""Composing a dossier's panel: from the tenant's standing panel, from chosen
companies (their contact persons), or from a directory-like filter (sector, park,
circle, size). Only contact persons with an e-mail address get a seat; a person
already seated is skipped. Seats added while the consultation is open are invited
at once; otherwise the invitations go when it opens."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

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
from plugins.mkb_toets.models import FEEDBACK_LINK, Dossier, PanelSeat, Phase

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


def remove_seat(dossier: Dossier, seat_id: int, *, actor) -> bool:
    """Take a seat off the panel while it is a draft (feedback given stays once open)."""
    if dossier.phase != Phase.DRAFT:
        raise PanelError(_l("Once the consultation has opened, nobody is taken off the panel."))
    seat = db.session.scalar(
        select(PanelSeat).where(PanelSeat.id == seat_id, PanelSeat.dossier_id == dossier.id)
    )
    if seat is None:
        return False
    delete_tokens(FEEDBACK_LINK, [seat.id])
    db.session.delete(seat)
    record("mkb-toets.seat_removed", actor=actor, target=dossier, target_label=dossier.title)
    return True
