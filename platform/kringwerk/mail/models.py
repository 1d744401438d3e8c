"""A record of every message delivered, so a retried or repeated delivery job
never sends the same message twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kringwerk.extensions import db, utcnow
from kringwerk.sqltypes import UTCDateTime


class SentMail(db.Model):
    """Global (not per tenant): delivery happens below the tenants; the key
    carries the tenant (``t<id>:...`` or ``platform:...``)."""

    __tablename__ = "sent_mails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    to: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(500))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
