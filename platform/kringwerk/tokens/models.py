"""PersonalToken: the stored half of a personal link (poll answers, panel opt-out, ...)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kringwerk.extensions import db, utcnow
from kringwerk.sqltypes import UTCDateTime
from kringwerk.tenancy.models import TenantScoped


class PersonalToken(TenantScoped, db.Model):
    """A personal link's token in one tenant, for one purpose and one subject.

    ``purpose`` is a dotted string (``polls.answer``, ``panel.opt_out``) so a
    plugin adds its own without a migration; ``subject_id`` is the id of the
    purpose's row (an invitation, a contact person). Only the SHA-256 of the
    token is stored. ``expires_at`` empty means live until revoked.
    """

    __tablename__ = "personal_tokens"
    __tenant_table_args__ = (
        Index("ix_personal_tokens_tenant_purpose_subject", "tenant_id", "purpose", "subject_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(80))
    subject_id: Mapped[int] = mapped_column(Integer)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def is_live(self, now: datetime | None = None) -> bool:
        """Neither revoked nor expired."""
        now = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def __repr__(self) -> str:
        return f"<PersonalToken {self.purpose} {self.subject_id}>"
