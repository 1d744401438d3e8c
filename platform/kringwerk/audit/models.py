"""The audit trail: who did what, when, in which tenant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kringwerk.extensions import db, utcnow
from kringwerk.sqltypes import UTCDateTime, json_type
from kringwerk.tenancy.models import TenantScoped


class AuditEntry(TenantScoped, db.Model):
    __tablename__ = "audit_entries"
    __tenant_table_args__ = (Index("ix_audit_entries_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Kept apart from the user row so the trail survives the account's erasure.
    actor_label: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(80), index=True)
    target_type: Mapped[str | None] = mapped_column(String(80))
    target_id: Mapped[int | None] = mapped_column(Integer)
    target_label: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[dict] = mapped_column(json_type(), default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    note: Mapped[str | None] = mapped_column(Text)

    actor = relationship("User")
