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


broken = {"flaky": True}


def flaky(task_id: int | None = None) -> str:
    """Fails while ``broken["flaky"]`` is set (a mail server that is down, then back)."""
    if broken["flaky"]:
        raise RuntimeError("the mail server is down")
    seen.append(("flaky", current_tenant_id()))
    return "ok"


def slow(seconds: float, task_id: int | None = None) -> None:
    import time

    time.sleep(seconds)


def mail_in_task(to: str, task_id: int) -> dict:
    """A task that sends one mail at once (as the invitation jobs do)."""
    from kringwerk.mail.services import send_mail_now

    sent = send_mail_now(
        to, "Your link", "accounts/magic_link", locale="en", context={"link": "http://localhost/x"},
        idempotency_key=f"mail-in-task-{task_id}",
    )  # fmt: skip
    return {"message": "sent" if sent else "sent before", "sent": sent}
