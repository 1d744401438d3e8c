"""A job of the dummy plugin, for the tests of plugin jobs and tasks."""

from kringwerk.tenancy.context import current_tenant_id

ran: list[tuple[int | None, int | None]] = []


def record_task(task_id: int | None = None) -> dict:
    ran.append((current_tenant_id(), task_id))
    return {"message": "Dummy work done."}
