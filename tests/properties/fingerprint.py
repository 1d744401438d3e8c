"""A cheap fingerprint of the database, to see that a refused request changed nothing.

One query: per table its row count and latest ``updated_at`` (where it has
one), and separately the rows of one tenant, which a request of another
tenant must never touch whatever it answers.
"""

from __future__ import annotations

from sqlalchemy import text

from kringwerk.extensions import db
from kringwerk.tenancy.context import unscoped


def _statement(tenant_id: int) -> str:
    parts = []
    for table in db.Model.metadata.sorted_tables:
        columns = table.columns
        latest = "CAST(max(updated_at) AS VARCHAR(40))" if "updated_at" in columns else "''"
        of_tenant = (
            f"sum(CASE WHEN tenant_id = {int(tenant_id)} THEN 1 ELSE 0 END)"
            if "tenant_id" in columns
            else "0"
        )
        parts.append(f"SELECT '{table.name}', count(*), {latest}, {of_tenant} FROM {table.name}")
    return " UNION ALL ".join(parts)


def fingerprint(other_tenant_id: int) -> tuple[dict, dict]:
    """({table: (rows, latest update)}, {table: rows of ``other_tenant_id``})."""
    with unscoped("property tests: a fingerprint of every table"):
        rows = db.session.execute(text(_statement(other_tenant_id))).all()
    db.session.commit()
    return (
        {name: (count, latest) for name, count, latest, _ in rows},
        {name: of_tenant or 0 for name, _, _, of_tenant in rows},
    )


def changes(before: dict, after: dict) -> list[str]:
    return [
        f"{name}: {before[name]} -> {after.get(name)}" for name in before if before[name] != after.get(name)
    ]
