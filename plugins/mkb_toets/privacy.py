"""A panel member's personal data (AVG), for contact persons with or without an account.

Access: ``contact_export`` (the board's download on the contact person) and
``member_export`` (a member's export, for the contact persons linked to the account) list
every seat with the feedback given through it.

Erasure: deleting a contact person from the directory (alone or with their company, which
calls ``contact_removed`` for each) is how a person is erased. Their personal links go at
once. A seat without feedback goes too; a seat with feedback stays without the person
(``contact_person_id`` NULL): the verdicts, burden figures and kinds of business keep
counting in the panel's figures, while everything they wrote (remarks, alternatives, the
overall view) and their consent to be named are deleted, because a text can name its
author. The plugin records ``mkb-toets.panel_member_erased`` with the counts only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from kringwerk.plugin_api import ContactPerson, db, delete_tokens, hookimpl, record, tenant_scope
from plugins.mkb_toets.models import BUSINESS_KINDS, FEEDBACK_LINK, Dossier, Feedback, PanelSeat


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _seats_of(contact_ids: list[int]) -> list[PanelSeat]:
    if not contact_ids:
        return []
    return list(
        db.session.scalars(
            select(PanelSeat).where(PanelSeat.contact_person_id.in_(contact_ids)).order_by(PanelSeat.id)
        )
    )


def export_seats(contact_ids: list[int]) -> list[dict[str, Any]]:
    """The seats of these contact persons with their feedback, JSON-ready (the tenant in scope)."""
    seats = _seats_of(contact_ids)
    rows = []
    for seat in seats:
        dossier = db.session.get(Dossier, seat.dossier_id)
        feedback = db.session.scalars(
            select(Feedback).where(Feedback.seat_id == seat.id).order_by(Feedback.section_id)
        )
        rows.append(
            {
                "dossier": {"id": dossier.id, "title": dossier.title, "phase": dossier.phase.value},
                "contact_person_id": seat.contact_person_id,
                "invited_at": _iso(seat.invited_at),
                "reminded_at": _iso(seat.reminded_at),
                "updated_at": _iso(seat.updated_at),
                "consent_to_name": seat.consent_to_name,
                "overall": seat.overall,
                "sections": [
                    {
                        "section": f"{item.section.number}. {item.section.heading}",
                        "verdict": item.verdict.value if item.verdict else None,
                        "hours_once": item.hours_once,
                        "hours_yearly": item.hours_yearly,
                        "euros_once": item.euros_once,
                        "euros_yearly": item.euros_yearly,
                        "business_kinds": [
                            str(BUSINESS_KINDS.get(kind, kind)) for kind in item.business_kinds or []
                        ],
                        "alternative": item.alternative,
                        "comment": item.comment,
                        "updated_at": _iso(item.updated_at),
                    }
                    for item in feedback
                ],
            }
        )
    return rows


def erase_seats(contact_ids: list[int], *, actor=None) -> tuple[int, int]:
    """Let go of these contact persons on every panel; returns (seats deleted, seats made anonymous)."""
    seats = _seats_of(contact_ids)
    if not seats:
        return 0, 0
    ids = [seat.id for seat in seats]
    delete_tokens(FEEDBACK_LINK, ids)
    db.session.execute(
        update(Feedback)
        .where(Feedback.seat_id.in_(ids))
        .values(alternative=None, comment=None)
        .execution_options(synchronize_session="fetch")
    )
    with_feedback = set(db.session.scalars(select(Feedback.seat_id).where(Feedback.seat_id.in_(ids))))
    deleted = anonymised = 0
    for seat in seats:
        if seat.id in with_feedback:
            seat.contact_person_id = None
            seat.overall = None
            seat.consent_to_name = False
            anonymised += 1
        else:
            db.session.delete(seat)
            deleted += 1
    db.session.flush()
    record(
        "mkb-toets.panel_member_erased",
        actor=actor,
        # The trail names the person by number only: it must not keep what was erased.
        target_label=", ".join(f"#{contact_id}" for contact_id in contact_ids),
        details={"seats_deleted": deleted, "seats_anonymised": anonymised},
    )
    return deleted, anonymised


@hookimpl
def contact_removed(tenant, contact):
    with tenant_scope(tenant):
        erase_seats([contact.id])


@hookimpl
def contact_export(tenant, contact):
    with tenant_scope(tenant):
        seats = export_seats([contact.id])
    return {"mkb_toets_panel_seats": seats} if seats else None


@hookimpl
def member_export(tenant, user):
    contact_ids = list(db.session.scalars(select(ContactPerson.id).where(ContactPerson.user_id == user.id)))
    seats = export_seats(contact_ids)
    return {"mkb_toets_panel_seats": seats} if seats else None
