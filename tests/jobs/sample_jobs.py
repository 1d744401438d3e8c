"""Module-level job functions for the tests (a job must name one)."""

from __future__ import annotations

from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.jobs import report_progress
from kringwerk.members.models import Company
from kringwerk.tenancy.context import current_tenant_id

seen: list[tuple] = []


def note(*args, **kwargs):
    seen.append(("note", current_tenant_id(), args, kwargs))
    return {"noted": len(args)}


def company_names(label: str) -> list[str]:
    names = sorted(db.session.scalars(select(Company.name)))
    seen.append((label, current_tenant_id(), names))
    return names


def add_company(name: str) -> None:
    db.session.add(Company(name=name))


def add_company_then_fail(name: str) -> None:
    db.session.add(Company(name=name))
    db.session.flush()
    raise RuntimeError("the job broke halfway")


def fail() -> None:
    seen.append(("fail", current_tenant_id()))
    raise RuntimeError("the job broke")


def count_in_steps(steps: int, task_id: int) -> dict:
    for step in range(1, steps + 1):
        report_progress(task_id, step, steps, message=f"step {step}")
        seen.append(("step", step))
    return {"message": f"Counted to {steps}.", "url": "/kring-a/", "count": steps}


def halfway(task_id: int) -> None:
    """Reports progress and then fails: the progress stays, the task fails."""
    report_progress(task_id, 5, 10, message="halfway")
    raise RuntimeError("could not finish")
