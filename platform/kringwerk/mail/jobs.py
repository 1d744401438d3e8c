"""Jobs of the mail package: delivering a composed message, once."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, select

from kringwerk.extensions import db, utcnow
from kringwerk.mail.models import SentMail

log = logging.getLogger("kringwerk.mail")

SENT_MAIL_RETENTION = timedelta(days=180)
DUPLICATE = "duplicate"
SENT = "sent"
UNCERTAIN = "uncertain"  # the connection broke before the server answered


def deliver_mail(mail: dict, key: str) -> str:
    """Deliver a message composed by ``send_mail`` unless ``key`` was delivered before.

    At most once (see ``mail.services``): the SentMail row is committed before the
    message goes to the server. A refusal gives it back and re-raises, so RQ
    retries; a repeated job (or the retry of one whose worker was killed mid-send)
    finds the row and sends nothing.
    """
    from kringwerk.mail.services import (
        DeliveryUncertain,
        OutgoingMail,
        claim_delivery,
        deliver,
        release_delivery,
    )

    if db.session.scalar(select(SentMail.id).where(SentMail.key == key)) is not None:
        log.info("mail %s to %s was delivered before; not sending it again", key, mail.get("to"))
        return DUPLICATE
    if not claim_delivery(key, mail["to"], mail["subject"]):
        log.info("mail %s to %s is being delivered by another job; not sending it again", key, mail.get("to"))
        return DUPLICATE
    try:
        deliver(OutgoingMail(**mail))
    except DeliveryUncertain as error:
        log.warning("mail %s to %s may have gone out (%s); never sent again", key, mail.get("to"), error)
        return UNCERTAIN
    except Exception:
        release_delivery(key)
        raise
    return SENT


def prune_sent_mail() -> int:
    """Periodic (platform): forget delivery records after SENT_MAIL_RETENTION."""
    cutoff = utcnow() - SENT_MAIL_RETENTION
    result = db.session.execute(delete(SentMail).where(SentMail.sent_at < cutoff))
    return result.rowcount or 0
