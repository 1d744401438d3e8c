"""The schema keeps every row inside its tenant: checked on the metadata, so a
new model that forgets the rules fails here."""

from __future__ import annotations

from sqlalchemy import ForeignKeyConstraint, UniqueConstraint

from kringwerk.extensions import db
from kringwerk.tenancy import TenantScoped


def tenant_tables():
    return [t for t in db.Model.metadata.sorted_tables if "tenant_id" in t.columns and t.name != "tenants"]


def scoped_mapped_tables():
    return {m.local_table for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)}


def test_tenant_models_have_the_composite_key_children_refer_to(app):
    missing = [
        table.name
        for table in scoped_mapped_tables()
        if not any(
            isinstance(c, UniqueConstraint) and [col.name for col in c.columns] == ["tenant_id", "id"]
            for c in table.constraints
        )
    ]
    assert not missing, f"put extra table args in __tenant_table_args__, not __table_args__: {missing}"


def test_tenant_id_is_required_and_indexed(app):
    for table in tenant_tables():
        column = table.c.tenant_id
        assert not column.nullable, f"{table.name}.tenant_id must be NOT NULL"
        leading = [idx for idx in table.indexes if list(idx.columns)[0].name == "tenant_id"]
        unique_leading = [
            c
            for c in table.constraints
            if isinstance(c, UniqueConstraint) and list(c.columns)[0].name == "tenant_id"
        ]
        primary_leading = list(table.primary_key.columns)[0].name == "tenant_id"
        assert leading or unique_leading or primary_leading, f"{table.name}.tenant_id is not indexed"


def test_references_between_tenant_tables_include_the_tenant(app):
    scoped_names = {t.name for t in tenant_tables()}
    loose = []
    for table in tenant_tables():
        for constraint in table.foreign_key_constraints:
            target = constraint.referred_table.name
            if target not in scoped_names:
                continue
            columns = [c.name for c in constraint.columns]
            if not isinstance(constraint, ForeignKeyConstraint) or "tenant_id" not in columns:
                loose.append(f"{table.name}({', '.join(columns)}) -> {target}")
    assert not loose, f"use tenant_fk() so children stay in their parent's tenant: {loose}"


def test_every_table_with_tenant_id_is_either_mapped_scoped_or_a_link_table(app):
    mapped = {m.local_table for m in db.Model.registry.mappers}
    scoped = scoped_mapped_tables()
    for table in tenant_tables():
        if table in mapped:
            assert table in scoped, f"{table.name} has tenant_id but its model is not TenantScoped"
