"""Progress of long work: one BackgroundTask per run a person waits for."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kringwerk.extensions import db, utcnow
from kringwerk.sqltypes import UTCDateTime, json_type
from kringwerk.tenancy.models import TenantScoped, str_enum


class TaskStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return str(
            {
                TaskStatus.QUEUED: _l("Waiting to start"),
                TaskStatus.RUNNING: _l("In progress"),
                TaskStatus.DONE: _l("Done"),
                TaskStatus.FAILED: _l("Failed"),
            }[self]
        )

    @property
    def finished(self) -> bool:
        return self in (TaskStatus.DONE, TaskStatus.FAILED)


class TaskFailure(enum.StrEnum):
    """Why a task failed, kept apart from ``message`` so the page says it in the reader's language."""

    ERROR = "error"
    PLUGIN_DISABLED = "plugin_disabled"


class BackgroundTask(TenantScoped, db.Model):
    __tablename__ = "background_tasks"
    __tenant_table_args__ = (Index("ix_background_tasks_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(80))
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus, "task_status"), default=TaskStatus.QUEUED)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    # Written by the job (in the language it chose); the status itself is shown translated.
    message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    failure: Mapped[TaskFailure | None] = mapped_column(str_enum(TaskFailure, "task_failure"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("User")

    @property
    def percent(self) -> int | None:
        """0-100, or None while the amount of work is unknown."""
        if not self.total:
            return None
        return max(0, min(100, self.done * 100 // self.total))

    def __repr__(self) -> str:
        return f"<BackgroundTask {self.id} {self.kind} {self.status}>"
