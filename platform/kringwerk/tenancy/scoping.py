"""The ORM wall between tenants.

Two session events enforce tenancy for every ORM statement:

* ``do_orm_execute`` limits selects, updates and deletes to the tenant in scope
  with ``with_loader_criteria``; with no tenant in scope, a statement that
  touches a tenant-owned table raises ``TenantScopeError``.
* ``before_flush`` stamps new rows with the tenant in scope and refuses rows
  of another tenant, and any change of ``tenant_id``.

Known holes (keep raw SQL out of the domain packages): ``text()`` and Core
table statements bypass the ORM events.
"""

from __future__ import annotations

from itertools import chain

from sqlalchemy import Table, event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql import visitors

from kringwerk.tenancy.context import TenantScopeError, current_tenant_id, unscoped_reason
from kringwerk.tenancy.models import TenantScoped


def install(session_class: type[Session]) -> None:
    """Attach the scoping events to ``session_class`` (idempotent)."""
    if not event.contains(session_class, "do_orm_execute", limit_to_tenant):
        event.listen(session_class, "do_orm_execute", limit_to_tenant)
    if not event.contains(session_class, "before_flush", guard_flush):
        event.listen(session_class, "before_flush", guard_flush)


def scoped_tables() -> set[Table]:
    return {mapper.local_table for mapper in _scoped_mappers()}


def _scoped_mappers():
    from kringwerk.extensions import db

    return [m for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)]


def _touches_scoped_table(statement) -> bool:
    tables = scoped_tables()
    for element in visitors.iterate(statement):
        if isinstance(element, Table) and element in tables:
            return True
        entity = getattr(element, "_annotations", {}).get("parententity")
        if entity is not None and issubclass(entity.class_, TenantScoped):
            return True
    return False


def limit_to_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if unscoped_reason() is not None:
        return
    tenant_id = current_tenant_id()
    if tenant_id is None:
        # Refreshing an expired attribute or lazy-loading a relationship reads
        # tenant rows too; outside any scope that fails here, on every database.
        if _touches_scoped_table(state.statement):
            raise TenantScopeError(
                "query on tenant-owned data with no tenant in scope; "
                "use tenant_scope(tenant) or unscoped(reason)"
            )
        return
    # Lazy and deferred loads inherit the criteria of the statement that loaded
    # their parent (propagate_to_loaders), so they need nothing more here.
    if state.is_relationship_load or state.is_column_load:
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
        )
    )


def guard_flush(session: Session, flush_context, instances) -> None:
    tenant_id = current_tenant_id()
    crossing = unscoped_reason() is not None
    # session.new builds a fresh set on each access; take it once (large imports).
    new = session.new
    for obj in chain(new, session.dirty, session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        state = inspect(obj)
        if state.persistent and state.attrs.tenant_id.history.deleted:
            raise TenantScopeError(f"{type(obj).__name__}.tenant_id cannot change")
        if crossing:
            continue
        if tenant_id is None:
            raise TenantScopeError(
                f"writing {type(obj).__name__} with no tenant in scope; "
                "use tenant_scope(tenant) or unscoped(reason)"
            )
        if obj in new and obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise TenantScopeError(
                f"refusing to write {type(obj).__name__} of tenant {obj.tenant_id} "
                f"inside the scope of tenant {tenant_id}"
            )
