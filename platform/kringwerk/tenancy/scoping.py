"""The ORM wall between tenants.

Two session events enforce tenancy for every ORM statement:

* ``do_orm_execute`` limits selects, updates and deletes to the tenant in scope
  with ``with_loader_criteria``; with no tenant in scope, a statement that
  touches a tenant-owned table raises ``TenantScopeError``.
* ``Session.get`` (the app's session class, see ``extensions``) checks the tenant
  of an object it finds in the identity map, which it returns without a query:
  another tenant's object is not found, and with no tenant in scope it raises.
* ``before_flush`` stamps new rows with the tenant in scope and refuses rows
  of another tenant, and any change of ``tenant_id``.
* ``do_orm_execute`` holds INSERT and UPDATE statements run through the session
  (ORM or Core, single rows, multi-row VALUES, bulk parameter lists, upserts)
  to the same rules as a flush: an insert into a tenant table names the tenant
  in scope or none (then it gets that one), never another, and is refused with
  no tenant in scope; an ``INSERT ... FROM SELECT`` needs ``unscoped``; an UPDATE
  never moves rows to another tenant; a bulk UPDATE by primary key reaches only
  the rows of the tenant in scope.

Known holes (keep raw SQL out of the domain packages): ``text()`` and any
statement executed on a ``Connection`` rather than the session bypass these
events, and Core ``Table`` selects, updates and deletes through the session are
not limited to the tenant in scope (only refused with none). On SQLite such
statements can read and write every tenant's rows; on PostgreSQL row-level
security still holds them to the tenant in scope (see ``rls``).
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import chain
from typing import Any

from sqlalchemy import Table, event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter, ClauseElement

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
    if state.is_insert:
        guard_insert(state)
        return
    if state.is_update:
        guard_update(state)
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


def get_in_scope(session: Session, get, entity, ident, **kwargs):
    """``session.get(entity, ident)`` through the wall (``get`` is the plain one).

    The identity map may hold an object of another tenant (loaded unscoped, or
    in that tenant's scope earlier in the session); it is not found here, as a
    query in scope would not find it.
    """
    mapper = inspect(entity)
    if not issubclass(mapper.class_, TenantScoped) or unscoped_reason() is not None:
        return get(entity, ident, **kwargs)
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantScopeError(
            f"getting a {mapper.class_.__name__} with no tenant in scope; "
            "use tenant_scope(tenant) or unscoped(reason)"
        )
    if not isinstance(ident, Mapping):
        key = mapper.identity_key_from_primary_key(
            list(ident) if isinstance(ident, list | tuple) else [ident],
            identity_token=kwargs.get("identity_token"),
        )
        found = session.identity_map.get(key)
        if found is not None:
            state = inspect(found)
            if state.dict.get("tenant_id", tenant_id) != tenant_id:
                return None
            if state.expired:
                # An expired object would be refreshed by its key alone; loading it
                # afresh goes through the tenant filter (and row-level security)
                # and finds nothing for another tenant, leaving the object be.
                kwargs["populate_existing"] = True
    instance = get(entity, ident, **kwargs)
    if instance is not None and instance.tenant_id != tenant_id:
        return None
    return instance


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


# --- INSERT and UPDATE statements ---------------------------------------------------------

_UNSET = object()  # a row that does not name tenant_id
_COMPUTED = object()  # tenant_id given as an SQL expression: nothing to check before it runs


def guard_insert(state: ORMExecuteState) -> None:
    """An INSERT into a tenant table names the tenant in scope (or none, and gets it)."""
    statement = state.statement
    table = _tenant_table(statement)
    if table is None:
        return
    _refuse_moving_on_conflict(statement, table)
    if unscoped_reason() is not None:
        return
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantScopeError(
            f"inserting into {table.name} with no tenant in scope; use tenant_scope(tenant) or unscoped(reason)"
        )
    if getattr(statement, "_select_names", None):
        raise TenantScopeError(
            f"INSERT INTO {table.name} ... FROM SELECT cannot be checked row by row; "
            "insert through the ORM or use unscoped(reason)"
        )
    named = [_tenant_value(row) for row in _statement_rows(statement, table)]
    parameters = state.parameters
    rows = [parameters] if isinstance(parameters, Mapping) else list(parameters or [])
    for value in [*named, *(_tenant_value(row) for row in rows)]:
        _check_tenant(value, tenant_id, table)
    if getattr(statement, "_multi_values", None):
        if _UNSET in named:
            raise TenantScopeError(f"a multi-row INSERT INTO {table.name} names tenant_id in every row")
        return
    if named and named[0] is not _UNSET:
        return
    # A row naming no tenant gets the tenant in scope, as a flush stamps new objects.
    if rows:
        stamped = [
            row if _tenant_value(row) is not _UNSET else {**row, "tenant_id": tenant_id} for row in rows
        ]
        state.parameters = stamped[0] if isinstance(parameters, Mapping) else stamped
    else:
        state.statement = statement.values({table.c.tenant_id: tenant_id})


def guard_update(state: ORMExecuteState) -> None:
    """An UPDATE never moves rows to another tenant; a bulk UPDATE by primary key
    (a list of parameter sets) reaches only rows of the tenant in scope."""
    statement = state.statement
    table = _tenant_table(statement)
    if table is None:
        return
    tenant_id = None if unscoped_reason() is not None else current_tenant_id()
    parameters = state.parameters
    rows = [parameters] if isinstance(parameters, Mapping) else list(parameters or [])
    for row in [*_statement_rows(statement, table), *rows]:
        value = _tenant_value(row)
        if value is not _UNSET and (tenant_id is None or value != tenant_id):
            raise TenantScopeError(f"an UPDATE of {table.name} cannot change tenant_id")
    if tenant_id is not None and isinstance(parameters, list | tuple) and len(rows) > 0:
        # Bulk UPDATE by primary key matches on the key alone: with_loader_criteria
        # does not reach it, so the tenant goes into its WHERE clause here. A row of
        # another tenant is then not found, like a miss.
        # Objects already in the session are then left as they are: bulk
        # synchronisation cannot evaluate an extra WHERE clause.
        state.statement = statement.where(table.c.tenant_id == tenant_id)
        state.update_execution_options(synchronize_session=None)


def _tenant_table(statement) -> Table | None:
    table = getattr(statement, "table", None)
    if isinstance(table, Table) and "tenant_id" in table.c and table.name != "tenants":
        return table
    return None


def _statement_rows(statement, table: Table) -> list[Mapping]:
    """The rows written in the statement itself: ``.values(...)`` or a multi-row VALUES."""
    multi = getattr(statement, "_multi_values", None)
    if multi:
        columns = list(table.columns)
        return [
            row if isinstance(row, Mapping) else dict(zip(columns, row, strict=False))
            for rows in multi
            for row in rows
        ]
    values = getattr(statement, "_values", None)
    return [values] if values else []


def _tenant_value(row: Mapping) -> Any:
    """What ``row`` gives tenant_id: a value, _UNSET, or _COMPUTED."""
    for key, value in row.items():
        if (key if isinstance(key, str) else getattr(key, "key", None)) != "tenant_id":
            continue
        if isinstance(value, BindParameter) and value.callable is None:
            value = value.value
        if value is None:
            return _UNSET
        if isinstance(value, ClauseElement):
            return _COMPUTED
        return value
    return _UNSET


def _check_tenant(value: Any, tenant_id: int, table: Table) -> None:
    if value is _UNSET or value == tenant_id:
        return
    shown = "a computed value" if value is _COMPUTED else f"tenant {value}"
    raise TenantScopeError(
        f"refusing to insert into {table.name} for {shown} inside the scope of tenant {tenant_id}"
    )


def _refuse_moving_on_conflict(statement, table: Table) -> None:
    """``ON CONFLICT DO UPDATE SET tenant_id = ...`` would move the existing row."""
    on_conflict = getattr(statement, "_post_values_clause", None)
    for key in getattr(on_conflict, "update_values_to_set", None) or ():
        if (key if isinstance(key, str) else getattr(key, "key", None)) == "tenant_id":
            raise TenantScopeError(f"an upsert into {table.name} cannot change tenant_id")
