"""Tables of the MKB-toets plugin: a dossier of draft municipal policy put before
an SME panel, its numbered sections, its phase history, the panel's seats and the
feedback each seat gives per section.

A panel member has no account: a seat is reached through a personal link (token
purpose ``FEEDBACK_LINK``, subject the seat). Burden figures are whole hours and
whole euros; the database keeps them within ``0..MAX_HOURS`` / ``0..MAX_EUROS``
as well as the service, so no path can store a negative burden.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kringwerk.plugin_api import TenantScoped, Theme, UTCDateTime, db, json_type, str_enum, tenant_fk, utcnow

# The token service's purpose for a panel member's link; the subject is the PanelSeat.
FEEDBACK_LINK = "mkb-toets.feedback"

# Upper bounds of one burden estimate: a year has 8,784 hours at most; a million euros
# per measure is far beyond what one SME reports, so anything above is a typing error.
MAX_HOURS = 8784
MAX_EUROS = 1_000_000


# Labels as text per (set of labels, locale), translated once per process: a list of 25
# dossiers asked gettext for its phase labels 25 times, each lookup going through
# Flask-Babel's request context (about a third of the list's template). The catalogs do not
# change while a process runs (Flask-Babel keeps them per locale the same way).
_TRANSLATED: dict[tuple[str, str], dict] = {}


def translated(name: str, labels: dict) -> dict:
    """``labels`` (lazily translated texts) as text in the current locale; outside a
    request (no locale) translated afresh each time."""
    locale = get_locale()
    if locale is None:
        return {key: str(text) for key, text in labels.items()}
    key = (name, str(locale))
    found = _TRANSLATED.get(key)
    if found is None:
        found = _TRANSLATED[key] = {member: str(text) for member, text in labels.items()}
    return found


class Phase(enum.StrEnum):
    DRAFT = "draft"  # the municipality and the board only
    CONSULTATION_OPEN = "consultation_open"
    CONSULTATION_CLOSED = "consultation_closed"
    ADVICE_WRITING = "advice_writing"
    ADVICE_SENT = "advice_sent"
    ANSWERED = "answered"
    PUBLISHED = "published"  # closed and published

    @property
    def label(self) -> str:
        return translated("phase", PHASE_LABELS)[self]

    @property
    def position(self) -> int:
        return _PHASE_POSITIONS[self]


# Looked up on every timeline step and phase comparison: counted once, not per call.
_PHASE_POSITIONS = {phase: number for number, phase in enumerate(Phase)}

PHASE_LABELS = {
    Phase.DRAFT: _l("Draft"),
    Phase.CONSULTATION_OPEN: _l("Consultation open"),
    Phase.CONSULTATION_CLOSED: _l("Consultation closed"),
    Phase.ADVICE_WRITING: _l("Advice being written"),
    Phase.ADVICE_SENT: _l("Advice sent"),
    Phase.ANSWERED: _l("Municipality's answer"),
    Phase.PUBLISHED: _l("Closed and published"),
}


class Verdict(enum.StrEnum):
    WORKABLE = "workable"
    WITH_CHANGES = "with_changes"
    NOT_WORKABLE = "not_workable"

    @property
    def label(self) -> str:
        return translated("verdict", VERDICT_LABELS)[self]


VERDICT_LABELS = {
    Verdict.WORKABLE: _l("Workable"),
    Verdict.WITH_CHANGES: _l("Workable with changes"),
    Verdict.NOT_WORKABLE: _l("Not workable"),
}

# Kinds of business a section may hit (keys stored in Feedback.business_kinds).
BUSINESS_KINDS = {
    "self_employed": _l("Self-employed without staff"),
    "small": _l("Small business (up to 10 staff)"),
    "medium": _l("Medium-sized business (10 to 250 staff)"),
    "retail": _l("Retail"),
    "hospitality": _l("Hospitality"),
    "construction": _l("Construction and installation"),
    "industry": _l("Industry and logistics"),
    "services": _l("Business services"),
}

dossier_themes = Table(
    "mkb_dossier_themes",
    db.Model.metadata,
    Column("tenant_id", ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("dossier_id", Integer, nullable=False),
    Column("theme_id", Integer, nullable=False),
    PrimaryKeyConstraint("tenant_id", "dossier_id", "theme_id"),
    Index("ix_mkb_dossier_themes_tenant_theme_id", "tenant_id", "theme_id"),
    ForeignKeyConstraint(
        ["tenant_id", "dossier_id"], ["mkb_dossiers.tenant_id", "mkb_dossiers.id"], ondelete="CASCADE"
    ),
    ForeignKeyConstraint(["tenant_id", "theme_id"], ["themes.tenant_id", "themes.id"], ondelete="CASCADE"),
)


class Dossier(TenantScoped, db.Model):
    """A piece of draft policy the municipality puts before the SME panel."""

    __tablename__ = "mkb_dossiers"
    __tenant_table_args__ = (
        tenant_fk("attachment_id", "stored_files"),
        Index("ix_mkb_dossiers_tenant_phase", "tenant_id", "phase"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    policy_area: Mapped[str | None] = mapped_column(String(200))
    # The plain-language note: what the panel reads before the draft itself.
    problem: Mapped[str | None] = mapped_column(Text)
    proposal: Mapped[str | None] = mapped_column(Text)
    affected: Mapped[str | None] = mapped_column(Text)
    expected_effect: Mapped[str | None] = mapped_column(Text)
    # The municipality's contact person for the dossier.
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # The draft as uploaded (PDF or Word), kept by the core's file storage.
    attachment_id: Mapped[int | None] = mapped_column(Integer)
    phase: Mapped[Phase] = mapped_column(str_enum(Phase, "mkb_dossier_phase"), default=Phase.DRAFT)
    consultation_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the board released the panel's feedback to the municipality (aggregated).
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sections: Mapped[list[DossierSection]] = relationship(
        back_populates="dossier",
        order_by="DossierSection.number",
        foreign_keys="DossierSection.dossier_id",
        cascade="all, delete-orphan",
        overlaps="dossier",
    )
    changes: Mapped[list[PhaseChange]] = relationship(
        order_by="PhaseChange.id",
        foreign_keys="PhaseChange.dossier_id",
        cascade="all, delete-orphan",
        viewonly=False,
    )
    themes: Mapped[list[Theme]] = relationship(
        secondary=dossier_themes,
        primaryjoin=lambda: and_(
            Dossier.id == dossier_themes.c.dossier_id, Dossier.tenant_id == dossier_themes.c.tenant_id
        ),
        secondaryjoin=lambda: Theme.id == dossier_themes.c.theme_id,
        order_by=lambda: Theme.position,
    )


class DossierSection(TenantScoped, db.Model):
    """One numbered section of the draft, the unit the panel judges."""

    __tablename__ = "mkb_dossier_sections"
    __tenant_table_args__ = (
        tenant_fk("dossier_id", "mkb_dossiers", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "dossier_id", "number", name="uq_mkb_dossier_sections_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")

    dossier: Mapped[Dossier] = relationship(back_populates="sections", foreign_keys=[dossier_id])


class PhaseChange(TenantScoped, db.Model):
    """One step of a dossier's timeline: who moved it from which phase to which, and when."""

    __tablename__ = "mkb_phase_changes"
    __tenant_table_args__ = (tenant_fk("dossier_id", "mkb_dossiers", ondelete="CASCADE"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(Integer)
    from_phase: Mapped[Phase | None] = mapped_column(str_enum(Phase, "mkb_change_from_phase"))
    to_phase: Mapped[Phase] = mapped_column(str_enum(Phase, "mkb_change_to_phase"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The actor's name as it was, kept when the account goes; None for a periodic job.
    actor_label: Mapped[str | None] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PanelSeat(TenantScoped, db.Model):
    """One contact person on a dossier's panel, reached by personal link (an erased
    person's seat stays, anonymous, so the panel's figures do not change)."""

    __tablename__ = "mkb_panel_seats"
    __tenant_table_args__ = (
        tenant_fk("dossier_id", "mkb_dossiers", ondelete="CASCADE"),
        tenant_fk("contact_person_id", "contact_persons", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "dossier_id", "contact_person_id", name="uq_mkb_panel_seats_contact"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(Integer)
    # None once the contact person was erased (AVG): their verdicts and burden figures
    # stay in the counts and sums, without the person and without their texts.
    contact_person_id: Mapped[int | None] = mapped_column(Integer)
    # Whether the municipality may see this member's name next to their feedback.
    consent_to_name: Mapped[bool] = mapped_column(Boolean, default=False)
    overall: Mapped[str | None] = mapped_column(Text)  # overall feedback on the dossier
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dossier: Mapped[Dossier] = relationship(foreign_keys=[dossier_id])
    contact = relationship("ContactPerson", foreign_keys=[contact_person_id])
    feedback: Mapped[list[Feedback]] = relationship(
        back_populates="seat", foreign_keys="Feedback.seat_id", cascade="all, delete-orphan", overlaps="seat"
    )


def _bounded(column: str, top: int) -> CheckConstraint:
    return CheckConstraint(
        f"{column} IS NULL OR ({column} >= 0 AND {column} <= {top})", name=f"{column}_bounds"
    )


class Feedback(TenantScoped, db.Model):
    """A panel member's judgement of one section of the draft."""

    __tablename__ = "mkb_feedback"
    __tenant_table_args__ = (
        tenant_fk("seat_id", "mkb_panel_seats", ondelete="CASCADE"),
        tenant_fk("section_id", "mkb_dossier_sections", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "seat_id", "section_id", name="uq_mkb_feedback_seat_section"),
        Index("ix_mkb_feedback_tenant_section", "tenant_id", "section_id"),
        _bounded("hours_once", MAX_HOURS),
        _bounded("hours_yearly", MAX_HOURS),
        _bounded("euros_once", MAX_EUROS),
        _bounded("euros_yearly", MAX_EUROS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seat_id: Mapped[int] = mapped_column(Integer)
    section_id: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[Verdict | None] = mapped_column(str_enum(Verdict, "mkb_feedback_verdict"))
    hours_once: Mapped[int | None] = mapped_column(Integer)
    hours_yearly: Mapped[int | None] = mapped_column(Integer)
    euros_once: Mapped[int | None] = mapped_column(Integer)
    euros_yearly: Mapped[int | None] = mapped_column(Integer)
    business_kinds: Mapped[list] = mapped_column(json_type(), default=list)
    alternative: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    seat: Mapped[PanelSeat] = relationship(back_populates="feedback", foreign_keys=[seat_id])
    section: Mapped[DossierSection] = relationship(foreign_keys=[section_id], overlaps="seat")


class Answer(enum.StrEnum):
    """The municipality's answer to one point of the advice ("pas toe of leg uit")."""

    ADOPTED = "adopted"
    PARTLY = "partly"
    NOT_ADOPTED = "not_adopted"

    @property
    def label(self) -> str:
        return translated("answer", ANSWER_LABELS)[self]


ANSWER_LABELS = {
    Answer.ADOPTED: _l("Adopted"),
    Answer.PARTLY: _l("Partly adopted"),
    Answer.NOT_ADOPTED: _l("Not adopted"),
}


class AdvicePoint(TenantScoped, db.Model):
    """One numbered point of the association's consolidated advice, resting on the
    feedback on one section (or on the draft as a whole), with the municipality's answer."""

    __tablename__ = "mkb_advice_points"
    __tenant_table_args__ = (
        tenant_fk("dossier_id", "mkb_dossiers", ondelete="CASCADE"),
        tenant_fk("section_id", "mkb_dossier_sections", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "dossier_id", "number", name="uq_mkb_advice_points_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    section_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    answer: Mapped[Answer | None] = mapped_column(str_enum(Answer, "mkb_advice_answer"))
    explanation: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    section: Mapped[DossierSection | None] = relationship(foreign_keys=[section_id])


class AdviceVersion(TenantScoped, db.Model):
    """A frozen copy of the advice's points: one per save while it is written, and the
    one that was sent (``sent_at``), from which the advice letter is rendered."""

    __tablename__ = "mkb_advice_versions"
    __tenant_table_args__ = (
        tenant_fk("dossier_id", "mkb_dossiers", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "dossier_id", "number", name="uq_mkb_advice_versions_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    # [{"number": 1, "text": "...", "section": "2. Ontheffingen" or None}, ...]
    points: Mapped[list] = mapped_column(json_type(), default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


__all__ = [
    "AdvicePoint",
    "AdviceVersion",
    "Answer",
    "BUSINESS_KINDS",
    "Dossier",
    "DossierSection",
    "FEEDBACK_LINK",
    "Feedback",
    "MAX_EUROS",
    "MAX_HOURS",
    "PanelSeat",
    "Phase",
    "PhaseChange",
    "Verdict",
    "dossier_themes",
]
