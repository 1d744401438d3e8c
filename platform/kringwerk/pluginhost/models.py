"""Which plugins a tenant has enabled, with their settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kringwerk.extensions import db, utcnow
from kringwerk.sqltypes import UTCDateTime, json_type
from kringwerk.tenancy.models import TenantScoped


class TenantPlugin(TenantScoped, db.Model):
    """One plugin in one tenant. Disabling keeps the row (and the plugin's data)."""

    __tablename__ = "tenant_plugins"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    settings: Mapped[dict] = mapped_column(json_type(), default=dict)
    enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    enabled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
