"""Periodic work of the MKB-toets plugin, per tenant that has it: a consultation whose
closing date has passed closes (a step on the timeline by no one, mailed as any other),
panel members who have not given feedback yet get one reminder before it closes, and
the municipality one reminder before its answer to the advice is due.
The runner commits when a job returns."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update

from kringwerk.plugin_api import ContactPerson, PeriodicJob, db, external_url, hookimpl, send_mail, utcnow
from plugins.mkb_toets import phases
from plugins.mkb_toets.mailing import feedback_link, municipality_addresses
from plugins.mkb_toets.models import Dossier, Feedback, PanelSeat, Phase

REMIND_BEFORE = timedelta(days=2)


def close_passed_consultations(now=None) -> int:
    """Close every open consultation whose closing date has passed; returns how many."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Dossier).where(
            Dossier.phase == Phase.CONSULTATION_OPEN,
            Dossier.consultation_closes_at.is_not(None),
            Dossier.consultation_closes_at <= now,
        )
    ).all()
    for dossier in due:
        phases.advance(dossier, Phase.CONSULTATION_CLOSED)
    return len(due)


def remind_quiet_panel_members(now=None) -> int:
    """One reminder per seat that has given no feedback, within ``REMIND_BEFORE`` of closing."""
    now = now or utcnow()
    seats = db.session.scalars(
        select(PanelSeat)
        .join(Dossier, Dossier.id == PanelSeat.dossier_id)
        .where(
            Dossier.phase == Phase.CONSULTATION_OPEN,
            Dossier.consultation_closes_at > now,
            Dossier.consultation_closes_at <= now + REMIND_BEFORE,
            PanelSeat.reminded_at.is_(None),
            PanelSeat.overall.is_(None),
            ~exists().where(Feedback.seat_id == PanelSeat.id),
        )
    ).all()
    sent = 0
    for seat in seats:
        # Claimed with a conditional update, so two workers never both remind.
        claimed = db.session.execute(
            update(PanelSeat)
            .where(PanelSeat.id == seat.id, PanelSeat.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        contact = db.session.get(ContactPerson, seat.contact_person_id)
        if claimed.rowcount != 1 or contact is None or not contact.email:
            continue
        send_mail(
            contact.email,
            _l("Reminder: your view on %(title)s", title=seat.dossier.title),
            "mkb_toets/reminder",
            context={
                "name": contact.name,
                "dossier": seat.dossier,
                "link": feedback_link(seat),
                "closes_at": seat.dossier.consultation_closes_at,
            },
            idempotency_key=f"mkb-toets.reminder:{seat.id}",
        )
        sent += 1
    return sent


def remind_answer_due(now=None) -> int:
    """Once per dossier, remind the municipality (its officials and the contact person)
    that the answer to the advice is due within ``REMIND_BEFORE``; returns how many mails."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Dossier.id).where(
            Dossier.phase == Phase.ADVICE_SENT,
            Dossier.answer_due_at.is_not(None),
            Dossier.answer_due_at <= now + REMIND_BEFORE,
            Dossier.reminded_at.is_(None),
        )
    ).all()
    sent = 0
    for dossier_id in due:
        claimed = db.session.execute(
            update(Dossier)
            .where(Dossier.id == dossier_id, Dossier.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue
        dossier = db.session.get(Dossier, dossier_id)
        for address in sorted(municipality_addresses(dossier)):
            send_mail(
                address,
                _l("Answer due: %(title)s", title=dossier.title),
                "mkb_toets/answer_due",
                context={
                    "dossier": dossier,
                    "due": dossier.answer_due_at,
                    "link": external_url("mkb_toets.advice_page", dossier_id=dossier.id),
                },
                idempotency_key=f"mkb-toets.answer_due:{dossier.id}:{address}",
            )
            sent += 1
    return sent


def close_job(tenant_id: int) -> int:
    return close_passed_consultations()


def remind_job(tenant_id: int) -> int:
    return remind_quiet_panel_members() + remind_answer_due()


@hookimpl
def periodic_jobs():
    return [
        PeriodicJob("mkb-toets.close_consultations", close_job, interval=timedelta(minutes=15)),
        PeriodicJob("mkb-toets.remind_panel", remind_job, interval=timedelta(hours=1)),
    ]
