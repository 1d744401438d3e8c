"""The audit trail names plans as people read them ("Pro"), never by their configuration key,
on the tenant's home and log; tenant B's trail holds none of A's billing."""

from __future__ import annotations

from sqlalchemy import select

from kringwerk.audit.models import AuditEntry
from kringwerk.billing import services
from kringwerk.extensions import db
from kringwerk.tenancy.context import tenant_scope
from tests.billing.helpers import subscribe


def labels(side, prefix="billing.") -> list[str]:
    with tenant_scope(side.tenant):
        return list(
            db.session.scalars(select(AuditEntry.target_label).where(AuditEntry.action.startswith(prefix)))
        )


def test_billing_entries_name_the_plan(world, login_as, standin):
    client = login_as(world.a.admin)
    subscribe(client, world.a, standin)
    services.comp_plan(world.b.tenant, "pro", actor=world.operator)
    db.session.commit()
    assert labels(world.a) and set(labels(world.a)) == {"Pro"}
    assert labels(world.b) == ["Pro"]
    home = client.get(f"/{world.a.tenant.slug}/").get_data(as_text=True)
    assert ": Pro" in home and ": pro" not in home
    # B's comp is not in A's trail, and A's subscription not in B's.
    with tenant_scope(world.a.tenant):
        assert "billing.comped" not in db.session.scalars(select(AuditEntry.action)).all()
    with tenant_scope(world.b.tenant):
        assert "billing.checkout_started" not in db.session.scalars(select(AuditEntry.action)).all()
