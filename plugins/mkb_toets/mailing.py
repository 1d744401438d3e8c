"""Who hears about a dossier, and the mails they get: panel members their personal
feedback link when the consultation opens (or when they join an open one) and the
published outcome at the end, the board and the municipality every step of the timeline. Mails go through
``send_mail``, so they leave after the commit, once per idempotency key.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import (
    ContactPerson,
    Role,
    db,
    external_url,
    issue_token,
    memberships,
    send_mail,
)
from plugins.mkb_toets.models import FEEDBACK_LINK, Dossier, PanelSeat, Phase, PhaseChange


def seats_of(dossier: Dossier) -> list[PanelSeat]:
    """The people on the dossier's panel (not the anonymous seats of erased people)."""
    return list(
        db.session.scalars(
            select(PanelSeat)
            .where(PanelSeat.dossier_id == dossier.id, PanelSeat.contact_person_id.is_not(None))
            .order_by(PanelSeat.id)
        )
    )


def feedback_link(seat: PanelSeat) -> str:
    """A fresh personal link for ``seat``, valid until revoked; earlier links (the
    invitation's, a reminder's) keep working. Closing the consultation is what ends
    giving feedback, not the link."""
    raw = issue_token(FEEDBACK_LINK, seat.id)
    return external_url("mkb_toets.feedback", token=raw)


def invite(seat: PanelSeat, dossier: Dossier) -> bool:
    """Mail the seat's contact person their link; False when they have no address."""
    contact = db.session.get(ContactPerson, seat.contact_person_id)
    if contact is None or not contact.email:
        return False
    send_mail(
        contact.email,
        _l("Your view on draft policy: %(title)s", title=dossier.title),
        "mkb_toets/invitation",
        context={
            "name": contact.name,
            "dossier": dossier,
            "link": feedback_link(seat),
            "closes_at": dossier.consultation_closes_at,
        },
        idempotency_key=f"mkb-toets.invite:{seat.id}:{seat.invited_at.isoformat()}",
    )
    return True


def municipality_addresses(dossier: Dossier) -> set[str]:
    """The municipality's officials in the tenant and the dossier's contact person."""
    addresses = {
        membership.user.email
        for membership in db.session.scalars(memberships(role=Role.MUNICIPALITY))
        if membership.user.email
    }
    if dossier.contact_email:
        addresses.add(dossier.contact_email.lower())
    return addresses


def _staff_addresses(dossier: Dossier) -> set[str]:
    """The board, the municipality's officials and the dossier's contact person."""
    addresses = {
        membership.user.email
        for role in (Role.ADMIN, Role.MUNICIPALITY)
        for membership in db.session.scalars(memberships(role=role))
        if membership.user.email
    }
    if dossier.contact_email:
        addresses.add(dossier.contact_email.lower())
    return addresses


def _tell_panel_of_outcome(dossier: Dossier) -> int:
    """The panel hears what became of their feedback: the published page."""
    link = external_url("mkb_toets.published", dossier_id=dossier.id)
    sent = 0
    for seat in seats_of(dossier):
        contact = db.session.get(ContactPerson, seat.contact_person_id)
        if contact is None or not contact.email:
            continue
        send_mail(
            contact.email,
            _l("The outcome: %(title)s", title=dossier.title),
            "mkb_toets/outcome",
            context={"name": contact.name, "dossier": dossier, "link": link},
            idempotency_key=f"mkb-toets.outcome:{seat.id}",
        )
        sent += 1
    return sent


def tell_about_change(dossier: Dossier, change: PhaseChange) -> int:
    """Mail everyone concerned by ``change``; returns how many mails were queued."""
    sent = 0
    link = external_url("mkb_toets.dossier", dossier_id=dossier.id)
    if change.to_phase == Phase.CONSULTATION_OPEN:
        for seat in seats_of(dossier):
            sent += invite(seat, dossier)
    if change.to_phase == Phase.PUBLISHED:
        sent += _tell_panel_of_outcome(dossier)
    for address in sorted(_staff_addresses(dossier)):
        send_mail(
            address,
            _l("%(title)s: %(phase)s", title=dossier.title, phase=change.to_phase.label),
            "mkb_toets/phase_changed",
            context={"dossier": dossier, "change": change, "link": link},
            idempotency_key=f"mkb-toets.phase:{change.id}:{address}",
        )
        sent += 1
    return sent
