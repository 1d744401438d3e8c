"""Builds one row of every tenant-owned model in a tenant, with nothing but
the metadata to go on, so the isolation walk covers new models without edits.

Columns are filled from their types; foreign keys point at rows built for
the same tenant (parents first). A model whose rules the generic values
would break can register its own builder in ``CUSTOM_BUILDERS``.
"""

from __future__ import annotations

import enum
import itertools
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    Interval,
    Numeric,
    String,
    Text,
    Time,
    inspect,
)
from sqlalchemy.orm import Mapper

from kringwerk.extensions import db
from kringwerk.sqltypes import UTCDateTime
from kringwerk.tenancy import TenantScoped, tenant_scope

CUSTOM_BUILDERS: dict[str, Callable[[dict], dict]] = {}
"""Model class name -> function(generated values) -> values to use instead."""

_counter = itertools.count(1)


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def tenant_mappers() -> list[Mapper]:
    """Tenant-owned mappers, parents before children."""
    mappers = {m.local_table: m for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)}
    return [mappers[table] for table in db.Model.metadata.sorted_tables if table in mappers]


def model_for_argument(argument: str) -> type | None:
    """``company_id`` -> Company, ``business_park_id`` -> BusinessPark."""
    for mapper in tenant_mappers():
        if f"{snake_case(mapper.class_.__name__)}_id" == argument:
            return mapper.class_
    return None


def _value_for(column, enum_class=None):
    n = next(_counter)
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    if isinstance(kind, Enum):
        if kind.enum_class is not None:
            return list(kind.enum_class)[0]
        return kind.enums[0]
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return n
    if isinstance(kind, Numeric | Float):
        return Decimal(n)
    if isinstance(kind, DateTime):
        return datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    if isinstance(kind, Date):
        return date(2030, 1, 1)
    if isinstance(kind, Time):
        return time(12, 0)
    if isinstance(kind, Interval):
        from datetime import timedelta

        return timedelta(hours=1)
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, String | Text):
        length = getattr(kind, "length", None) or 40
        text = f"iso{n}"
        if "email" in column.name:
            text = f"iso{n}@example.com"
        return text[:length]
    try:
        python_type = kind.python_type
    except NotImplementedError:
        python_type = str
    if issubclass(python_type, enum.Enum):
        return list(python_type)[0]
    return python_type()


def build_tenant_rows(tenant) -> dict[type, object]:
    """One flushed row of each tenant-owned model in ``tenant``; returns {model: row}."""
    built: dict = {}
    with tenant_scope(tenant):
        for mapper in tenant_mappers():
            model = mapper.class_
            values = {}
            for column in mapper.local_table.columns:
                if column.primary_key or column.name == "tenant_id":
                    continue
                target = _foreign_target(column)
                if target is not None:
                    values[column.key] = _reference(target, built, tenant)
                    continue
                if column.nullable or column.default is not None or column.server_default is not None:
                    continue
                values[column.key] = _value_for(column)
            values = {
                mapper.get_property_by_column(mapper.local_table.c[k]).key: v for k, v in values.items()
            }
            if model.__name__ in CUSTOM_BUILDERS:
                values = CUSTOM_BUILDERS[model.__name__](values)
            row = model(**values)
            db.session.add(row)
            db.session.flush()
            built[mapper.local_table] = row
    return {table_row.__class__: table_row for table_row in built.values()}


def _foreign_target(column):
    for foreign_key in column.foreign_keys:
        if foreign_key.column.table.name == "tenants" and column.name == "tenant_id":
            return None
        if foreign_key.column.name == "tenant_id":
            continue
        return foreign_key.column.table
    return None


def _reference(table, built, tenant):
    if table.name == "users":
        # A fresh account per row: some tables allow one row per user (memberships).
        from kringwerk.accounts.models import User

        n = next(_counter)
        fresh = User(email=f"isolation{n}@example.com", name=f"Isolation {n}")
        db.session.add(fresh)
        db.session.flush()
        return fresh.id
    if table.name == "tenants":
        return tenant.id
    row = built.get(table)
    if row is None:
        raise LookupError(f"no {table.name} row built yet; is the dependency order broken?")
    return inspect(row).identity[0]
