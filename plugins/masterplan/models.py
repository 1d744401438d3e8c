"""Tables of the masterplans plugin: living plans per circle, park or the whole
tenant, with per theme the current situation, wishes and challenges (with the
members' support), projects with milestones, measured goals, priority rounds and
a change log.

Rows that people edit in forms carry a ``version`` integer: a save names the
version it started from and is refused when someone else saved in between
(``plugins.masterplan.changes``). Every change is written to ``PlanChange``.

A plan's circle or park is kept as a plain id, not a key: the core deletes
circles and parks without asking plugins, and a living plan must outlive the
grouping it was written for (it then shows as "a removed circle").
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kringwerk.plugin_api import TenantScoped, UTCDateTime, db, json_type, str_enum, tenant_fk, utcnow


class Scope(enum.StrEnum):
    TENANT = "tenant"  # the whole association
    CIRCLE = "circle"
    PARK = "park"

    @property
    def label(self) -> str:
        return {
            Scope.TENANT: _l("The whole association"),
            Scope.CIRCLE: _l("A circle"),
            Scope.PARK: _l("A business park"),
        }[self]


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return {
            PlanStatus.DRAFT: _l("Draft"),
            PlanStatus.ACTIVE: _l("Active"),
            PlanStatus.ARCHIVED: _l("Archived"),
        }[self]


class ItemKind(enum.StrEnum):
    WISH = "wish"
    CHALLENGE = "challenge"

    @property
    def label(self) -> str:
        return {ItemKind.WISH: _l("Wish"), ItemKind.CHALLENGE: _l("Challenge")}[self]


class Funding(enum.StrEnum):
    OWN = "own"
    MUNICIPALITY = "municipality"
    PROVINCE = "province"
    REGIONAL = "regional"  # a regional programme (Regio Deal, the region's agenda)
    SUBSIDY = "subsidy"  # a named subsidy: ``Project.funding_name``

    @property
    def label(self) -> str:
        return {
            Funding.OWN: _l("Own funds"),
            Funding.MUNICIPALITY: _l("Municipality"),
            Funding.PROVINCE: _l("Province"),
            Funding.REGIONAL: _l("Regional programme"),
            Funding.SUBSIDY: _l("Subsidy"),
        }[self]


class ProjectStatus(enum.StrEnum):
    IDEA = "idea"  # a proposal
    WORKING_OUT = "working_out"
    PLANNED = "planned"
    RUNNING = "running"
    DONE = "done"
    STOPPED = "stopped"

    @property
    def label(self) -> str:
        return {
            ProjectStatus.IDEA: _l("Idea"),
            ProjectStatus.WORKING_OUT: _l("Being worked out"),
            ProjectStatus.PLANNED: _l("Planned"),
            ProjectStatus.RUNNING: _l("Running"),
            ProjectStatus.DONE: _l("Done"),
            ProjectStatus.STOPPED: _l("Stopped"),
        }[self]


class Masterplan(TenantScoped, db.Model):
    """A living plan with an ambition, for a circle, a business park or the whole tenant."""

    __tablename__ = "masterplans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    scope: Mapped[Scope] = mapped_column(str_enum(Scope, "masterplan_scope"), default=Scope.TENANT)
    circle_id: Mapped[int | None] = mapped_column(Integer)  # see the module docstring
    business_park_id: Mapped[int | None] = mapped_column(Integer)
    ambition: Mapped[str | None] = mapped_column(Text)
    status: Mapped[PlanStatus] = mapped_column(
        str_enum(PlanStatus, "masterplan_status"), default=PlanStatus.DRAFT
    )
    owners: Mapped[str | None] = mapped_column(String(500))  # the people who hold the pen, as text
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The ORM updates WHERE version = <loaded>: a parallel save of the same row fails, never overwrites.
    __mapper_args__ = {"version_id_col": version}
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ThemeEntry(TenantScoped, db.Model):
    """A plan's text on one theme: the current situation."""

    __tablename__ = "masterplan_theme_entries"
    __tenant_table_args__ = (
        tenant_fk("masterplan_id", "masterplans", ondelete="CASCADE"),
        tenant_fk("theme_id", "themes", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "masterplan_id", "theme_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    masterplan_id: Mapped[int] = mapped_column(Integer)
    theme_id: Mapped[int] = mapped_column(Integer)
    current_situation: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The ORM updates WHERE version = <loaded>: a parallel save of the same row fails, never overwrites.
    __mapper_args__ = {"version_id_col": version}
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Item(TenantScoped, db.Model):
    """A wish or a challenge on a theme of a plan, added by a member."""

    __tablename__ = "masterplan_items"
    __tenant_table_args__ = (
        tenant_fk("masterplan_id", "masterplans", ondelete="CASCADE"),
        tenant_fk("theme_id", "themes", ondelete="CASCADE"),
        Index("ix_masterplan_items_tenant_plan_theme", "tenant_id", "masterplan_id", "theme_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    masterplan_id: Mapped[int] = mapped_column(Integer)
    theme_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind, "masterplan_item_kind"))
    text: Mapped[str] = mapped_column(Text)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_by_name: Mapped[str | None] = mapped_column(String(200))  # shown; kept when the account goes
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The ORM updates WHERE version = <loaded>: a parallel save of the same row fails, never overwrites.
    __mapper_args__ = {"version_id_col": version}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    supports: Mapped[list[Support]] = relationship(
        cascade="all, delete-orphan", foreign_keys="Support.item_id"
    )


class Support(TenantScoped, db.Model):
    """One member backs one wish or challenge (at most once: the database holds it)."""

    __tablename__ = "masterplan_supports"
    __tenant_table_args__ = (
        tenant_fk("item_id", "masterplan_items", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "item_id", "user_id", name="uq_masterplan_supports_item_user"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Project(TenantScoped, db.Model):
    """A project on a theme, from idea (a proposal) to done or stopped."""

    __tablename__ = "masterplan_projects"
    __tenant_table_args__ = (
        tenant_fk("masterplan_id", "masterplans", ondelete="CASCADE"),
        tenant_fk("theme_id", "themes", ondelete="CASCADE"),
        # Composite keys cannot SET NULL: company_removed / contact_removed cut these ties.
        tenant_fk("owner_company_id", "companies"),
        tenant_fk("owner_contact_id", "contact_persons"),
        Index("ix_masterplan_projects_tenant_plan_theme", "tenant_id", "masterplan_id", "theme_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    masterplan_id: Mapped[int] = mapped_column(Integer)
    theme_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    owner_company_id: Mapped[int | None] = mapped_column(Integer)
    owner_contact_id: Mapped[int | None] = mapped_column(Integer)
    partners: Mapped[str | None] = mapped_column(String(500))
    # Companies that showed interest (e.g. a poll's cooperation match), by id.
    interested_company_ids: Mapped[list] = mapped_column(json_type(), default=list)
    budget: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # euros, estimated
    funding: Mapped[Funding | None] = mapped_column(str_enum(Funding, "masterplan_funding"))
    funding_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[ProjectStatus] = mapped_column(
        str_enum(ProjectStatus, "masterplan_project_status"), default=ProjectStatus.IDEA
    )
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The ORM updates WHERE version = <loaded>: a parallel save of the same row fails, never overwrites.
    __mapper_args__ = {"version_id_col": version}
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    milestones: Mapped[list[Milestone]] = relationship(
        cascade="all, delete-orphan", order_by="Milestone.due_on", foreign_keys="Milestone.project_id"
    )


class Milestone(TenantScoped, db.Model):
    __tablename__ = "masterplan_milestones"
    __tenant_table_args__ = (tenant_fk("project_id", "masterplan_projects", ondelete="CASCADE"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class Goal(TenantScoped, db.Model):
    """A measurable target: "new business cases per year: baseline 60, target 100 by 2023"."""

    __tablename__ = "masterplan_goals"
    __tenant_table_args__ = (
        tenant_fk("masterplan_id", "masterplans", ondelete="CASCADE"),
        tenant_fk("theme_id", "themes", ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    masterplan_id: Mapped[int] = mapped_column(Integer)
    theme_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(60))
    baseline: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    target: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    deadline: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The ORM updates WHERE version = <loaded>: a parallel save of the same row fails, never overwrites.
    __mapper_args__ = {"version_id_col": version}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    measurements: Mapped[list[Measurement]] = relationship(
        cascade="all, delete-orphan", order_by="Measurement.measured_on", foreign_keys="Measurement.goal_id"
    )


class Measurement(TenantScoped, db.Model):
    __tablename__ = "masterplan_measurements"
    __tenant_table_args__ = (tenant_fk("goal_id", "masterplan_goals", ondelete="CASCADE"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    goal_id: Mapped[int] = mapped_column(Integer)
    measured_on: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    note: Mapped[str | None] = mapped_column(String(300))


class PriorityRound(TenantScoped, db.Model):
    """Members spread points over the themes within a period; the result is kept here when it closes."""

    __tablename__ = "masterplan_rounds"
    __tenant_table_args__ = (tenant_fk("masterplan_id", "masterplans", ondelete="CASCADE"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    masterplan_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    points_per_member: Mapped[int] = mapped_column(Integer, default=100)
    # [{"theme_id": 3, "points": 420}, ...] best first, written when the round closes.
    result: Mapped[list | None] = mapped_column(json_type())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where the starting order came from (a closed poll's theme interest, ``seeding``):
    # {"source": "polls:12", "label": ..., "respondents": n, "closed_on": iso date,
    #  "counts": [{"theme_id": 3, "count": 14}, ...] most first}; it breaks ties in the count.
    seed: Mapped[dict | None] = mapped_column(json_type())


class Allocation(TenantScoped, db.Model):
    """The points one member gave one theme in a round."""

    __tablename__ = "masterplan_allocations"
    __tenant_table_args__ = (
        tenant_fk("round_id", "masterplan_rounds", ondelete="CASCADE"),
        tenant_fk("theme_id", "themes", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "round_id", "user_id", "theme_id", name="uq_masterplan_allocations"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    theme_id: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)


class PlanChange(TenantScoped, db.Model):
    """One change to a plan: who, when, what (the fields before and after), for its history."""

    __tablename__ = "masterplan_changes"
    __tenant_table_args__ = (
        tenant_fk("masterplan_id", "masterplans", ondelete="CASCADE"),
        Index("ix_masterplan_changes_tenant_plan_at", "tenant_id", "masterplan_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    masterplan_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_name: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entity: Mapped[str] = mapped_column(String(40))  # "plan", "item", "project", "goal", ...
    entity_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))  # "created", "updated", "deleted"
    # {"field": [before, after], ...}; for "created" the values given.
    changes: Mapped[dict] = mapped_column(json_type(), default=dict)


class PlanSnapshot(TenantScoped, db.Model):
    """A version of the plan as published ("the plan as adopted on <date>"): its text as
    lines, so two versions can be compared side by side however the rows changed since."""

    __tablename__ = "masterplan_snapshots"
    __tenant_table_args__ = (
        tenant_fk("masterplan_id", "masterplans", ondelete="CASCADE"),
        Index("ix_masterplan_snapshots_tenant_plan", "tenant_id", "masterplan_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    masterplan_id: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))
    adopted_on: Mapped[date] = mapped_column(Date)
    lines: Mapped[list] = mapped_column(json_type(), default=list)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_by_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- implementation plans per business park (seed 001) -------------------------------------


class StepKind(enum.StrEnum):
    """The steps of a park's implementation plan, in the order they are taken."""

    RESEARCH = "research"
    CONCLUSIONS = "conclusions"
    APPROACH = "approach"  # the plan of approach
    FUNDING = "funding"  # the funding applications

    @property
    def label(self) -> str:
        return {
            StepKind.RESEARCH: _l("Research"),
            StepKind.CONCLUSIONS: _l("Conclusions"),
            StepKind.APPROACH: _l("Plan of approach"),
            StepKind.FUNDING: _l("Funding applications"),
        }[self]


class StepState(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"

    @property
    def label(self) -> str:
        return {
            StepState.NOT_STARTED: _l("Not started"),
            StepState.IN_PROGRESS: _l("In progress"),
            StepState.BLOCKED: _l("Blocked"),
            StepState.DONE: _l("Done"),
        }[self]


class ParkPlan(TenantScoped, db.Model):
    """A business park's implementation plan: research, conclusions, a plan of approach
    and funding applications (``ParkStep``). The park is a plain id, as for a plan: the
    core deletes parks without asking plugins; ``park_name`` is kept to show afterwards.
    The park's id and creation time name it together: SQLite may give a deleted park's id
    to a new park, which must not inherit the old plan."""

    __tablename__ = "masterplan_park_plans"
    __tenant_table_args__ = (
        UniqueConstraint(
            "tenant_id", "business_park_id", "park_created_at", name="uq_masterplan_park_plans_park"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_park_id: Mapped[int] = mapped_column(Integer)
    park_created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    park_name: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    steps: Mapped[list[ParkStep]] = relationship(
        cascade="all, delete-orphan", order_by="ParkStep.position", foreign_keys="ParkStep.park_plan_id"
    )


class ParkStep(TenantScoped, db.Model):
    """One step of a park's implementation plan, with its owner (a member), dates, state and note."""

    __tablename__ = "masterplan_park_steps"
    __tenant_table_args__ = (
        tenant_fk("park_plan_id", "masterplan_park_plans", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "park_plan_id", "kind", name="uq_masterplan_park_steps_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    park_plan_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[StepKind] = mapped_column(str_enum(StepKind, "masterplan_step_kind"))
    position: Mapped[int] = mapped_column(Integer)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[StepState] = mapped_column(
        str_enum(StepState, "masterplan_step_state"), default=StepState.NOT_STARTED
    )
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The ORM updates WHERE version = <loaded>: a parallel save of the same row fails, never overwrites.
    __mapper_args__ = {"version_id_col": version}
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    documents: Mapped[list[StepDocument]] = relationship(
        order_by="StepDocument.id", foreign_keys="StepDocument.park_step_id", viewonly=True
    )


class StepDocument(TenantScoped, db.Model):
    """A document of a step: the stored file (core file storage) it currently holds."""

    __tablename__ = "masterplan_step_documents"
    __tenant_table_args__ = (
        tenant_fk("park_step_id", "masterplan_park_steps", ondelete="CASCADE"),
        # No cascade: the service deletes this row, then the file (``delete_file``).
        tenant_fk("stored_file_id", "stored_files"),
        Index("ix_masterplan_step_documents_tenant_step", "tenant_id", "park_step_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    park_step_id: Mapped[int] = mapped_column(Integer)
    stored_file_id: Mapped[int] = mapped_column(Integer)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stored_file = relationship("StoredFile", foreign_keys=[stored_file_id], lazy="joined")


# --- what projects contribute to, and goals that count toward a network's ------------------


class ProjectGoal(TenantScoped, db.Model):
    """A project contributes to a goal, of any plan of the same tenant (the composite keys hold it)."""

    __tablename__ = "masterplan_project_goals"
    __tenant_table_args__ = (
        tenant_fk("project_id", "masterplan_projects", ondelete="CASCADE"),
        tenant_fk("goal_id", "masterplan_goals", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "project_id", "goal_id", name="uq_masterplan_project_goals"),
        Index("ix_masterplan_project_goals_tenant_goal", "tenant_id", "goal_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(Integer)
    goal_id: Mapped[int] = mapped_column(Integer)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProjectEvent(TenantScoped, db.Model):
    """A meeting of a project on the tenant's calendar. The event is a plain id (the events
    plugin's table may be absent or switched off); its title and start as they were when
    linked are kept, to show once the event is gone."""

    __tablename__ = "masterplan_project_events"
    __tenant_table_args__ = (
        tenant_fk("project_id", "masterplan_projects", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "project_id", "event_id", name="uq_masterplan_project_events"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GoalContribution(TenantScoped, db.Model):
    """A goal of this association counts toward a goal of a regional network it is in. The
    network's goal is another tenant's row, so a plain id; its title when declared is kept.
    The network reads these only as sums, inside the core's ``network_figures`` crossing."""

    __tablename__ = "masterplan_goal_contributions"
    __tenant_table_args__ = (
        tenant_fk("goal_id", "masterplan_goals", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "goal_id", "network_goal_id", name="uq_masterplan_goal_contributions"),
        Index("ix_masterplan_goal_contributions_network", "network_tenant_id", "network_goal_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    goal_id: Mapped[int] = mapped_column(Integer)
    network_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    network_goal_id: Mapped[int] = mapped_column(Integer)
    network_goal_title: Mapped[str] = mapped_column(String(200))
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
