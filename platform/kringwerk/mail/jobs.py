"""Jobs of the mail package: delivering a composed message, once."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from kringwerk.extensions import db, utcnow
from kringwerk.mail.models import SentMail

log = logging.getLogger("kringwerk.mail")

SENT_MAIL_RETENTION = timedelta(days=180)
DUPLICATE = "duplicate"
SENT = "sent"


def deliver_mail(mail: dict, key: str) -> str:
    """Deliver a message composed by ``send_mail`` unless ``key`` was delivered before.

    The SentMail row is written (and flushed, so a concurrent duplicate waits on
    the unique key) before sending and commits after it: a failed send leaves no
    record and is retried; a repeated job finds the record and sends nothing.
    """
    from kringwerk.mail.services import OutgoingMail, deliver

    if db.session.scalar(select(SentMail.id).where(SentMail.key == key)) is not None:
        log.info("mail %s to %s was delivered before; not sending it again", key, mail.get("to"))
        return DUPLICATE
    db.session.add(SentMail(key=key, to=mail["to"], subject=mail["subject"][:500], sent_at=utcnow()))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        log.info("mail %s to %s is being delivered by another job; not sending it again", key, mail.get("to"))
        return DUPLICATE
    deliver(OutgoingMail(**mail))
    return SENT


def prune_sent_mail() -> int:
    """Periodic (platform): forget delivery records after SENT_MAIL_RETENTION."""
    cutoff = utcnow() - SENT_MAIL_RETENTION
    result = db.session.execute(delete(SentMail).where(SentMail.sent_at < cutoff))
    return result.rowcount or 0
