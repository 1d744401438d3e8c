"""Tenants, the network affiliations between them, and the mixin every
tenant-owned table uses."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Date,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from kringwerk.extensions import db, utcnow
from kringwerk.sqltypes import UTCDateTime


class TenantKind(enum.StrEnum):
    REGION = "region"
    ASSOCIATION = "association"
    MUNICIPALITY = "municipality"

    @property
    def label(self) -> str:
        return str(
            {
                TenantKind.REGION: _l("Regional network"),
                TenantKind.ASSOCIATION: _l("Business association"),
                TenantKind.MUNICIPALITY: _l("Municipality"),
            }[self]
        )


class AffiliationStatus(enum.StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    LEFT = "left"

    @property
    def label(self) -> str:
        return str(
            {
                AffiliationStatus.INVITED: _l("Invited"),
                AffiliationStatus.ACTIVE: _l("Active"),
                AffiliationStatus.LEFT: _l("Left"),
            }[self]
        )


def str_enum(enum_cls: type[enum.StrEnum], name: str) -> Enum:
    """A portable enum column storing the values (not the names) as short strings."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Tenant(db.Model):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TenantKind] = mapped_column(str_enum(TenantKind, "tenant_kind"))
    default_locale: Mapped[str] = mapped_column(String(8), default="nl")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    # Where an association works, as its network lists it ("Lochem").
    municipality: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(300))
    brand_colour: Mapped[str] = mapped_column(String(7), default="#1f5f8b")
    logo_filename: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set by the operator (operator.suspension): the tenant's pages still read, but every
    # change is refused and its periodic jobs are skipped until it is reactivated.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class TenantScoped:
    """Mixin for every tenant-owned table.

    Adds a non-null, indexed ``tenant_id`` and a unique ``(tenant_id, id)`` so
    children can reference ``(tenant_id, parent_id)`` with ``tenant_fk`` and
    never point into another tenant. Extra table arguments go in
    ``__tenant_table_args__``.
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False)

    @declared_attr.directive
    def __table_args__(cls):
        return (*getattr(cls, "__tenant_table_args__", ()), UniqueConstraint("tenant_id", "id"))


def tenant_fk(column: str, target_table: str, *, ondelete: str | None = None) -> ForeignKeyConstraint:
    """``(tenant_id, column) -> target_table(tenant_id, id)``.

    Relationships over such a key name the id column: ``relationship(..., foreign_keys=[column])``.
    """
    return ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{target_table}.tenant_id", f"{target_table}.id"],
        ondelete=ondelete,
    )


class Affiliation(TenantScoped, db.Model):
    """A member association (or municipality) belonging to a regional network.

    Owned by the network's tenant; the member tenant sees it through the
    affiliation services, which cross tenants explicitly.
    """

    __tablename__ = "affiliations"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "member_tenant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    status: Mapped[AffiliationStatus] = mapped_column(
        str_enum(AffiliationStatus, "affiliation_status"), default=AffiliationStatus.INVITED
    )
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    joined_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    network: Mapped[Tenant] = relationship(foreign_keys="Affiliation.tenant_id")
    member: Mapped[Tenant] = relationship(foreign_keys=[member_tenant_id])
