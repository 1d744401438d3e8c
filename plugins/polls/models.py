"""Tables of the polls plugin: polls with their items (sections and questions)
and options, the invitations with personal links, and responses with their
answers. The standing entrepreneurs' panel a poll may go to is the core's
(``PanelMember`` in the plugin API).

Answers are stored one row per atom (an option chosen, a number given, a rank,
points, a theme interest level, a text) so the results are plain SQL
aggregates over ``poll_answers``. A response in progress keeps what was typed
in ``PollResponse.draft`` (the raw form values, valid or not); answer rows are
written only on submission, so results never see drafts. Submission also adds
to ``PollTally``, the running counts the results page reads.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kringwerk.plugin_api import TenantScoped, UTCDateTime, db, json_type, str_enum, tenant_fk, utcnow


class PollState(enum.StrEnum):
    DRAFT = "draft"  # being built; no invitations yet
    OPEN = "open"  # published: answers accepted between opens_at and closes_at
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            PollState.DRAFT: _l("Draft"),
            PollState.OPEN: lazy_pgettext("poll state", "Open"),  # not the verb on links
            PollState.CLOSED: _l("Closed"),
        }[self]


class ResponseUnit(enum.StrEnum):
    COMPANY = "company"  # one response per company; any of its contacts may answer
    PERSON = "person"  # one response per invited person

    @property
    def label(self) -> str:
        return {
            ResponseUnit.COMPANY: _l("One response per company"),
            ResponseUnit.PERSON: _l("One response per person"),
        }[self]


class AudienceKind(enum.StrEnum):
    ALL = "all"  # every company of the tenant, optionally narrowed by audience_filter
    PANEL = "panel"  # the standing panel: people who opted in

    @property
    def label(self) -> str:
        return {
            AudienceKind.ALL: _l("Companies of the association"),
            AudienceKind.PANEL: _l("The entrepreneurs' panel"),
        }[self]


class ResultsVisibility(enum.StrEnum):
    BOARD = "board"  # admins and facilitators
    MEMBERS = "members"  # every member of the tenant
    PUBLIC = "public"  # anyone with the link

    @property
    def label(self) -> str:
        return {
            ResultsVisibility.BOARD: _l("The board only"),
            ResultsVisibility.MEMBERS: _l("Members"),
            ResultsVisibility.PUBLIC: _l("Everyone (public)"),
        }[self]


class QuestionKind(enum.StrEnum):
    SECTION = "section"  # a heading with an introduction; not a question
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SCALE = "scale"
    NUMBER = "number"
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    RANKING = "ranking"
    POINTS = "points"
    THEME_INTEREST = "theme_interest"

    @property
    def label(self) -> str:
        return {
            QuestionKind.SECTION: _l("Section"),
            QuestionKind.SINGLE_CHOICE: _l("Single choice"),
            QuestionKind.MULTIPLE_CHOICE: _l("Multiple choice"),
            QuestionKind.SCALE: _l("Scale"),
            QuestionKind.NUMBER: _l("Number"),
            QuestionKind.SHORT_TEXT: _l("Short text"),
            QuestionKind.LONG_TEXT: _l("Long text"),
            QuestionKind.RANKING: _l("Ranking"),
            QuestionKind.POINTS: _l("Spread 100 points"),
            QuestionKind.THEME_INTEREST: _l("Theme interest"),
        }[self]

    @property
    def has_options(self) -> bool:
        return self in OPTION_KINDS


OPTION_KINDS = frozenset(
    {
        QuestionKind.SINGLE_CHOICE,
        QuestionKind.MULTIPLE_CHOICE,
        QuestionKind.RANKING,
        QuestionKind.POINTS,
        QuestionKind.THEME_INTEREST,
    }
)


class InterestLevel(enum.IntEnum):
    """A theme-interest answer, stored as ``PollAnswer.value_number``."""

    NOT_INTERESTED = 0
    INTERESTED = 1  # interested in cooperating
    LEAD = 2  # willing to take the lead

    @property
    def label(self) -> str:
        return {
            InterestLevel.NOT_INTERESTED: _l("Not interested"),
            InterestLevel.INTERESTED: _l("Interested in cooperating"),
            InterestLevel.LEAD: _l("Willing to take the lead"),
        }[self]


class ResponseStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Poll(TenantScoped, db.Model):
    """A peiling: questions put to the companies of a tenant or to its panel."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="nl")
    state: Mapped[PollState] = mapped_column(str_enum(PollState, "poll_state"), default=PollState.DRAFT)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_unit: Mapped[ResponseUnit] = mapped_column(
        str_enum(ResponseUnit, "poll_response_unit"), default=ResponseUnit.COMPANY
    )
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    audience: Mapped[AudienceKind] = mapped_column(
        str_enum(AudienceKind, "poll_audience"), default=AudienceKind.ALL
    )
    # {"park_ids": [...], "circle_ids": [...], "sectors": [...], "min_employees": n, "max_employees": n}
    audience_filter: Mapped[dict] = mapped_column(json_type(), default=dict)
    results_visibility: Mapped[ResultsVisibility] = mapped_column(
        str_enum(ResultsVisibility, "poll_results_visibility"), default=ResultsVisibility.BOARD
    )
    # Whether members (not only the board) see which company gave an open answer; the
    # answer page says so before anyone types. Never for anonymous polls.
    names_to_members: Mapped[bool] = mapped_column(Boolean, default=False)
    match_threshold: Mapped[int | None] = mapped_column(Integer)  # None: the plugin setting
    reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a scheduled reminder
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    questions: Mapped[list[PollQuestion]] = relationship(
        back_populates="poll",
        cascade="all, delete-orphan",
        order_by="PollQuestion.position",
        foreign_keys="PollQuestion.poll_id",
    )


class PollQuestion(TenantScoped, db.Model):
    """An item of a poll, in order: a section heading or a question."""

    __tablename__ = "poll_questions"
    __tenant_table_args__ = (
        tenant_fk("poll_id", "polls", ondelete="CASCADE"),
        Index("ix_poll_questions_tenant_poll_position", "tenant_id", "poll_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, "poll_question_kind"))
    text: Mapped[str] = mapped_column(String(500))
    help_text: Mapped[str | None] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Per kind: multiple_choice {"min_choices", "max_choices"}; scale {"scale": "1-5"|"0-10",
    # "low_label", "high_label"}; number {"min_value", "max_value"}.
    settings: Mapped[dict] = mapped_column(json_type(), default=dict)
    # Show this question only when the answer to an earlier choice question includes this option.
    condition_option_id: Mapped[int | None] = mapped_column(Integer)

    poll: Mapped[Poll] = relationship(back_populates="questions", foreign_keys=[poll_id])
    options: Mapped[list[PollOption]] = relationship(
        back_populates="question",
        cascade="all, delete-orphan",
        order_by="PollOption.position",
        foreign_keys="PollOption.question_id",
    )

    @property
    def is_question(self) -> bool:
        return self.kind != QuestionKind.SECTION


class PollOption(TenantScoped, db.Model):
    """A choice of a question; for theme interest, one of the tenant's themes."""

    __tablename__ = "poll_options"
    __tenant_table_args__ = (
        tenant_fk("question_id", "poll_questions", ondelete="CASCADE"),
        tenant_fk("theme_id", "themes", ondelete="CASCADE"),
        Index("ix_poll_options_tenant_question_position", "tenant_id", "question_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(300))
    theme_id: Mapped[int | None] = mapped_column(Integer)

    question: Mapped[PollQuestion] = relationship(back_populates="options", foreign_keys=[question_id])
    theme = relationship("Theme", foreign_keys=[theme_id])


# The token service's purpose for answer links; the subject is the invitation.
ANSWER_LINK = "polls.answer"


class PollInvitation(TenantScoped, db.Model):
    """A personal link for one person (a contact of a company) to one poll.

    The link's tokens live in the core token service (purpose ``ANSWER_LINK``,
    subject = this invitation's id), stored only as SHA-256 hashes. ``responded_at``
    counts the response rate, also for anonymous polls whose responses keep no link back.
    """

    __tablename__ = "poll_invitations"
    __tenant_table_args__ = (
        tenant_fk("poll_id", "polls", ondelete="CASCADE"),
        tenant_fk("company_id", "companies", ondelete="CASCADE"),
        tenant_fk("contact_person_id", "contact_persons", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "poll_id", "email"),
        Index("ix_poll_invitations_tenant_poll_company", "tenant_id", "poll_id", "company_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(Integer)
    company_id: Mapped[int | None] = mapped_column(Integer)
    contact_person_id: Mapped[int | None] = mapped_column(Integer)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    poll: Mapped[Poll] = relationship(foreign_keys=[poll_id])
    company = relationship("Company", foreign_keys=[company_id])
    contact_person = relationship("ContactPerson", foreign_keys=[contact_person_id])


class PollResponse(TenantScoped, db.Model):
    """One company's or person's response.

    While a draft it is tied to its company (and person); in an anonymous poll
    submission cuts that tie, so no stored row leads from the answers to anyone.
    """

    __tablename__ = "poll_responses"
    __tenant_table_args__ = (
        tenant_fk("poll_id", "polls", ondelete="CASCADE"),
        # Composite keys cannot SET NULL: the company_removed / contact_removed hooks
        # cut these ties before a company or contact is deleted, keeping the answers.
        tenant_fk("company_id", "companies"),
        tenant_fk("contact_person_id", "contact_persons"),
        Index("ix_poll_responses_tenant_poll_status", "tenant_id", "poll_id", "status"),
        Index("ix_poll_responses_tenant_poll_company", "tenant_id", "poll_id", "company_id"),
        # One response per owner and poll, held by the database: parallel first requests of a link
        # (a double click, colleagues at once) all meet the one row. NULLs never conflict, so
        # responses cut loose (anonymous, or of a removed company) no longer count here.
        Index("uq_poll_responses_owner", "tenant_id", "poll_id", "owner", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(Integer)
    company_id: Mapped[int | None] = mapped_column(Integer)
    contact_person_id: Mapped[int | None] = mapped_column(Integer)
    # Whose response it is while tied: "company:<id>" (one per company) or "person:<id>".
    owner: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[ResponseStatus] = mapped_column(
        str_enum(ResponseStatus, "poll_response_status"), default=ResponseStatus.DRAFT
    )
    draft: Mapped[dict] = mapped_column(json_type(), default=dict)  # raw form values, kept as typed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    poll: Mapped[Poll] = relationship(foreign_keys=[poll_id])
    company = relationship("Company", foreign_keys=[company_id])
    contact_person = relationship("ContactPerson", foreign_keys=[contact_person_id])
    answers: Mapped[list[PollAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", foreign_keys="PollAnswer.response_id"
    )


class PollAnswer(TenantScoped, db.Model):
    """One atom of a submitted answer.

    single/multiple choice: a row per chosen option; scale and number:
    ``value_number``; texts: ``value_text``; ranking: a row per option with its
    rank (1 = first); points: a row per option with its points; theme interest:
    a row per theme option with an ``InterestLevel``.
    """

    __tablename__ = "poll_answers"
    __tenant_table_args__ = (
        tenant_fk("poll_id", "polls", ondelete="CASCADE"),
        tenant_fk("response_id", "poll_responses", ondelete="CASCADE"),
        tenant_fk("question_id", "poll_questions", ondelete="CASCADE"),
        tenant_fk("option_id", "poll_options", ondelete="CASCADE"),
        # A recount, the per-company theme counts and a match's companies read a poll's answers by
        # question, option and value: one index covers them.
        Index("ix_poll_answers_results", "tenant_id", "poll_id", "question_id", "option_id", "value_number"),
        Index("ix_poll_answers_tenant_response", "tenant_id", "response_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(Integer)  # denormalised from the response for the results index
    response_id: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(Integer)
    option_id: Mapped[int | None] = mapped_column(Integer)
    value_number: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[PollResponse] = relationship(back_populates="answers", foreign_keys=[response_id])


class PollSealedResponse(TenantScoped, db.Model):
    """A submitted anonymous response waiting, without anyone's name, to be written among others.

    Anonymous answers are not written in the transaction that marks the invitation
    answered (on PostgreSQL both rows would carry its id in ``xmin``), nor one by one
    (ids, ``xmin`` and row order would follow the invitations' order). A job stores each
    here in a transaction of its own; ``plugins.polls.sealing`` writes them as responses
    once ``SEAL_GROUP`` wait, or when the poll closes, in one transaction and in random
    order, and deletes these rows. ``day`` is the submission's day; ``atoms`` the
    validated answers.
    """

    __tablename__ = "poll_sealed_responses"
    __tenant_table_args__ = (
        tenant_fk("poll_id", "polls", ondelete="CASCADE"),
        Index("ix_poll_sealed_responses_tenant_poll", "tenant_id", "poll_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[datetime] = mapped_column(UTCDateTime)
    atoms: Mapped[list] = mapped_column(json_type(), default=list)


class PollTally(TenantScoped, db.Model):
    """A running count of a poll's submitted answers: how many answer rows a question
    has with one (option, value), kept at submission by ``plugins.polls.tallies``.

    The results page reads these few rows per question instead of every answer, so
    its cost does not grow with the number of responses. ``bucket`` names the
    (option, value) pair in one non-null column the upsert can conflict on (NULLs
    never conflict in a unique index); the bucket ``tallies.RESPONDENTS`` counts the
    responses that answered the question at all.
    """

    __tablename__ = "poll_tallies"
    __tenant_table_args__ = (
        tenant_fk("poll_id", "polls", ondelete="CASCADE"),
        tenant_fk("question_id", "poll_questions", ondelete="CASCADE"),
        tenant_fk("option_id", "poll_options", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "question_id", "bucket", name="uq_poll_tallies_question_bucket"),
        Index("ix_poll_tallies_tenant_poll", "tenant_id", "poll_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(Integer)
    bucket: Mapped[str] = mapped_column(String(80))
    option_id: Mapped[int | None] = mapped_column(Integer)
    value_number: Mapped[float | None] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer, default=0)
