"""Member organisations of a tenant: companies (with KvK number and contact
persons), business parks, circles (kringen), the theme taxonomy and the
standing entrepreneurs' panel."""

from __future__ import annotations

from datetime import datetime

from flask_babel import get_locale
from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kringwerk.extensions import db, utcnow
from kringwerk.sqltypes import UTCDateTime
from kringwerk.tenancy.models import TenantScoped, tenant_fk


def _link_table(name: str, left: str, left_table: str, right: str, right_table: str) -> Table:
    """A many-to-many table whose rows stay inside one tenant on both sides.

    The keys lead with the tenant so lookups from either side stay within one
    tenant's rows (a plain tenant_id index made SQLite scan them all).
    """
    return Table(
        name,
        db.Model.metadata,
        Column("tenant_id", ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        Column(left, Integer, nullable=False),
        Column(right, Integer, nullable=False),
        PrimaryKeyConstraint("tenant_id", left, right),
        Index(f"ix_{name}_tenant_{right}", "tenant_id", right),
        ForeignKeyConstraint(
            ["tenant_id", left], [f"{left_table}.tenant_id", f"{left_table}.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["tenant_id", right], [f"{right_table}.tenant_id", f"{right_table}.id"], ondelete="CASCADE"
        ),
    )


company_circles = _link_table("company_circles", "company_id", "companies", "circle_id", "circles")
company_themes = _link_table("company_themes", "company_id", "companies", "theme_id", "themes")


def _language() -> str:
    """The language of the current request; Dutch outside one."""
    try:
        return get_locale().language
    except (RuntimeError, AttributeError):
        return "nl"


class BusinessPark(TenantScoped, db.Model):
    """A bedrijventerrein companies are located on (Aalsvoort, De Wieken)."""

    __tablename__ = "business_parks"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    municipality: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Circle(TenantScoped, db.Model):
    """A kring: a sub-group of an association (Noord, Stadsbedrijvenpark, ...)."""

    __tablename__ = "circles"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Theme(TenantScoped, db.Model):
    """A theme of the tenant's taxonomy, where polls, events, masterplans and
    MKB-toets dossiers meet (energie, bereikbaarheid, ...)."""

    __tablename__ = "themes"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    name_nl: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def name(self) -> str:
        """The name in the language of the current request (Dutch outside one)."""
        return self.name_en if _language() == "en" else self.name_nl

    @classmethod
    def name_column(cls):
        """The column ``name`` reads, for selects of names only (``Theme.name`` is
        a Python property)."""
        return cls.name_en if _language() == "en" else cls.name_nl

    @property
    def description(self) -> str | None:
        return self.description_en if _language() == "en" else self.description_nl


class Company(TenantScoped, db.Model):
    """A member company, identified by its KvK number (unique within the tenant)."""

    __tablename__ = "companies"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "kvk_number"),
        tenant_fk("business_park_id", "business_parks"),
        # The directory lists by lower(name), id and filters by sector, per tenant.
        Index("ix_companies_tenant_lower_name", "tenant_id", text("lower(name)"), "id"),
        Index("ix_companies_tenant_sector", "tenant_id", "sector"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kvk_number: Mapped[str | None] = mapped_column(String(8))
    sector: Mapped[str | None] = mapped_column(String(120))
    employees: Mapped[int | None] = mapped_column(Integer)
    street: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(120))
    website: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    business_park_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    business_park: Mapped[BusinessPark | None] = relationship(foreign_keys=[business_park_id])
    circles: Mapped[list[Circle]] = relationship(
        secondary=company_circles,
        # tenant_id is in the primary join so the link row inherits the company's
        # tenant; the composite foreign keys refuse a circle of another tenant.
        primaryjoin=lambda: and_(
            Company.id == company_circles.c.company_id,
            Company.tenant_id == company_circles.c.tenant_id,
        ),
        secondaryjoin=lambda: Circle.id == company_circles.c.circle_id,
        order_by=lambda: Circle.name,
    )
    themes: Mapped[list[Theme]] = relationship(
        secondary=company_themes,
        primaryjoin=lambda: and_(
            Company.id == company_themes.c.company_id,
            Company.tenant_id == company_themes.c.tenant_id,
        ),
        secondaryjoin=lambda: Theme.id == company_themes.c.theme_id,
        order_by=lambda: Theme.position,
    )
    contacts: Mapped[list[ContactPerson]] = relationship(
        back_populates="company",
        cascade="all, delete-orphan",
        order_by="ContactPerson.name",
        foreign_keys="ContactPerson.company_id",
    )


class ContactPerson(TenantScoped, db.Model):
    """A person at a company, optionally linked to a user account."""

    __tablename__ = "contact_persons"
    __tenant_table_args__ = (tenant_fk("company_id", "companies", ondelete="CASCADE"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    job_title: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company: Mapped[Company] = relationship(back_populates="contacts", foreign_keys=[company_id])
    user = relationship("User")


class PanelMember(TenantScoped, db.Model):
    """A contact person on the tenant's standing entrepreneurs' panel: asked for
    polls, the MKB-toets and whatever else a plugin puts to the panel.

    Leaving sets ``left_at`` (the row stays, so the trail shows when); joining
    again clears it. The services live in ``members.panel``.
    """

    __tablename__ = "panel_members"
    __tenant_table_args__ = (
        tenant_fk("contact_person_id", "contact_persons", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "contact_person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_person_id: Mapped[int] = mapped_column(Integer)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contact_person: Mapped[ContactPerson] = relationship(foreign_keys=[contact_person_id])
