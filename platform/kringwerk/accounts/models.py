"""People: global user accounts, their role in each tenant, and the single-use
tokens (magic links, password resets, invitations) that let them in."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kringwerk.extensions import db, utcnow
from kringwerk.sqltypes import UTCDateTime
from kringwerk.tenancy.models import TenantScoped, str_enum


class Role(enum.StrEnum):
    ADMIN = "admin"  # the association's board
    FACILITATOR = "facilitator"  # park management
    MUNICIPALITY = "municipality"  # a municipality's official
    MEMBER = "member"  # an entrepreneur

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Board member"),
    Role.FACILITATOR: _l("Park manager"),
    Role.MUNICIPALITY: _l("Municipality"),
    Role.MEMBER: _l("Entrepreneur"),
}


class TokenPurpose(enum.StrEnum):
    MAGIC_LINK = "magic_link"
    PASSWORD_RESET = "password_reset"


class InvitationStatus(enum.StrEnum):
    """Where an invitation stands; derived from its timestamps, not stored."""

    PENDING = "pending"
    EXPIRED = "expired"
    ACCEPTED = "accepted"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return str(
            {
                InvitationStatus.PENDING: _l("Pending"),
                InvitationStatus.EXPIRED: _l("Expired"),
                InvitationStatus.ACCEPTED: _l("Accepted"),
                InvitationStatus.REVOKED: _l("Withdrawn"),
            }[self]
        )


class User(UserMixin, db.Model):
    """One account for the whole platform; what it may do in a tenant comes from Membership."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    preferred_locale: Mapped[str | None] = mapped_column(String(8))
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on password change or logout-everywhere; part of the session id,
    # so every older session stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login
        return f"{self.id}.{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(TenantScoped, db.Model):
    __tablename__ = "memberships"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "membership_role"), default=Role.MEMBER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class AuthToken(db.Model):
    """A magic-link or password-reset token; only its SHA-256 is stored."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Invitation(TenantScoped, db.Model):
    """An invitation into a tenant with a role; accepting creates or links an account."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(str_enum(Role, "invitation_role"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])

    @property
    def status(self) -> InvitationStatus:
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.expires_at <= utcnow():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING
