"""Onboarding into a network: the chair's invitation, letters of intent with their
versions, the people invited to sign one by personal link, the signatures, and an
association's choice to share its member directory with its networks.

Invitations, letters, versions, signatories and signatures belong to the tenant
that owns the letter or invites (the network, or an initiative group); a member
association reaches them only through the services, which cross explicitly.
``DirectorySharing`` belongs to the association that decides.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kringwerk.extensions import db, utcnow
from kringwerk.sqltypes import UTCDateTime
from kringwerk.tenancy.models import Affiliation, Tenant, TenantScoped, tenant_fk

# Personal link purposes (tokens of the inviting/owning tenant).
CHAIR_LINK = "networks.chair"
SIGN_LINK = "networks.sign"


class NetworkInvitation(TenantScoped, db.Model):
    """The network's invitation to an association's chair, by e-mail.

    ``created_tenant`` marks an association made from this invitation: only then does
    the chair's link make its holder the association's admin. The mail's fate is kept
    (``mailed_at`` / ``mail_failed_at``), so the board never sees "sent" for a mail that
    did not go out.
    """

    __tablename__ = "network_invitations"
    __tenant_table_args__ = (tenant_fk("affiliation_id", "affiliations", ondelete="CASCADE"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    affiliation_id: Mapped[int] = mapped_column(Integer, index=True)
    chair_name: Mapped[str] = mapped_column(String(200))
    chair_email: Mapped[str] = mapped_column(String(254))
    created_tenant: Mapped[bool] = mapped_column(Boolean, default=False)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mail_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    affiliation: Mapped[Affiliation] = relationship(foreign_keys=[affiliation_id])


class Letter(TenantScoped, db.Model):
    """A letter of intent (intentieverklaring) of its tenant; its text lives in versions."""

    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LetterVersion(TenantScoped, db.Model):
    """One text of a letter, kept for good: who wrote it and when. Signatures name it."""

    __tablename__ = "letter_versions"
    __tenant_table_args__ = (
        tenant_fk("letter_id", "letters", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "letter_id", "number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(Integer, index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_name: Mapped[str | None] = mapped_column(String(200))

    letter: Mapped[Letter] = relationship(foreign_keys=[letter_id])


class Signatory(TenantScoped, db.Model):
    """A named person asked to sign a letter by personal link (an alderman, a resident),
    who need not belong to any association."""

    __tablename__ = "letter_signatories"
    __tenant_table_args__ = (tenant_fk("letter_id", "letters", ondelete="CASCADE"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(200))
    function: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mail_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    letter: Mapped[Letter] = relationship(foreign_keys=[letter_id])


class Signature(TenantScoped, db.Model):
    """A signature under one version of a letter.

    ``party`` says for whom: ``tenant:<id>`` (an association, or the letter's own
    tenant, signed by its board member) or ``person:<signatory id>`` (by personal
    link). One signature per party and version is the unique key. What was typed
    (name, function, organisation, date) is kept as typed; the account (if any) and
    the moment are recorded beside it.
    """

    __tablename__ = "letter_signatures"
    __tenant_table_args__ = (
        tenant_fk("letter_version_id", "letter_versions", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "letter_version_id", "party"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_version_id: Mapped[int] = mapped_column(Integer, index=True)
    party: Mapped[str] = mapped_column(String(40))
    member_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"))
    signatory_id: Mapped[int | None] = mapped_column(Integer)
    full_name: Mapped[str] = mapped_column(String(200))
    function: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    signed_on: Mapped[date] = mapped_column(Date)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    version: Mapped[LetterVersion] = relationship(foreign_keys=[letter_version_id])
    member: Mapped[Tenant | None] = relationship(foreign_keys=[member_tenant_id])


class DirectorySharing(TenantScoped, db.Model):
    """Whether an association shows its companies' public fields in the combined
    directory of the networks it is active in. No row means: not shared."""

    __tablename__ = "directory_sharing"
    __tenant_table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
