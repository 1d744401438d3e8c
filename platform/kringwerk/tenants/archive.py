"""A tenant's archive: every row and stored file of one tenant in one zip, and its restore
(``kringwerk tenants export`` / ``import``; the format is described in docs/backups.md).

The walk is generic: every table with a ``tenant_id`` column (the core's, every installed
plugin's, link tables too) is written in the metadata's dependency order, so a plugin's data
joins without any work of its own. What lives outside the database is the tenant's folders
``UPLOAD_DIR/<area>/<tenant id>/`` (logo, uploads, a plugin's own files). Accounts are global:
the archive holds the users its rows refer to, and delivery records whose key is the tenant's.

A restore keeps every id, so ids inside JSON columns and texts (``user:<id>``, lists of
contact ids) stay right; it refuses when the tenant, an id or a file is already taken, and
resets PostgreSQL's sequences (which only the database owner may do, like migrations).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    LargeBinary,
    Numeric,
    Table,
    Time,
    func,
    insert,
    inspect,
    null,
    select,
    text,
)
from sqlalchemy import Enum as SAEnum

from kringwerk.extensions import db, utcnow
from kringwerk.tenancy import tenant_scope, unscoped
from kringwerk.tenancy.models import Tenant

FORMAT = "kringwerk-tenant-archive"
FORMAT_VERSION = 1
CHUNK = 1000


class ArchiveError(Exception):
    """The archive cannot be written or restored; ``str()`` says why, for the operator."""


# --- the tables ----------------------------------------------------------------------------


def tenant_tables() -> list[Table]:
    """Every table holding tenant rows, parents before children."""
    return [t for t in db.metadata.sorted_tables if "tenant_id" in t.columns and t.name != "tenants"]


def _users() -> Table:
    return db.metadata.tables["users"]


def _sent_mails() -> Table:
    return db.metadata.tables["sent_mails"]


def _order(table: Table):
    return [*table.primary_key.columns] or [*table.columns]


def _json_columns(table: Table) -> list[str]:
    return [column.name for column in table.columns if isinstance(column.type, JSON)]


def schema_heads() -> list[str]:
    """The Alembic heads of the installed code (the core's and every plugin branch's)."""
    from alembic.script import ScriptDirectory

    from kringwerk.extensions import init_migrations

    init_migrations(current_app._get_current_object())  # not yet loaded in a web process
    config = current_app.extensions["migrate"].migrate.get_config()
    return sorted(ScriptDirectory.from_config(config).get_heads())


def database_heads() -> list[str] | None:
    """The revisions the database is at, or None when it was built without Alembic."""
    if not inspect(db.session.connection()).has_table("alembic_version"):
        return None  # built by create_all (tests)
    return sorted(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())


# --- values --------------------------------------------------------------------------------


def encode(column, value, is_null: bool | None = None) -> Any:
    """A column's value as JSON: ISO 8601 times (UTC with offset), decimals as text, bytes as
    base64, enums by value; a JSON column's value as its JSON text (so JSON ``null`` differs
    from no value)."""
    if isinstance(column.type, JSON):
        return None if is_null else json.dumps(value, ensure_ascii=False, sort_keys=True)
    if value is None:
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def decode(column, value) -> Any:
    kind = column.type
    if isinstance(kind, JSON):
        if value is None:
            return null()
        loaded = json.loads(value)
        return JSON.NULL if loaded is None else loaded
    if value is None:
        return None
    if isinstance(kind, SAEnum) and kind.enum_class is not None:
        return kind.enum_class(value)
    impl = getattr(kind, "impl", kind)
    if isinstance(impl, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(impl, Date):
        return date.fromisoformat(value)
    if isinstance(impl, Time):
        return time.fromisoformat(value)
    if isinstance(impl, Numeric) and not isinstance(impl, Float):
        return Decimal(value)
    if isinstance(impl, LargeBinary):
        return base64.b64decode(value)
    return value


def read_rows(table: Table, condition) -> Iterator[list[Any]]:
    """The rows of ``table`` matching ``condition``, encoded, in primary-key order.

    Read in pages by id rather than streamed: a server-side cursor on PostgreSQL would
    never run the statement that tells row-level security the scope."""
    flags = [table.c[name].is_(None).label(f"__null_{name}") for name in _json_columns(table)]
    statement = select(*table.columns, *flags).where(condition).order_by(*_order(table))
    keyed = [c.name for c in table.primary_key.columns] == ["id"]
    last = None
    while True:
        page = statement
        if keyed:
            page = page.limit(CHUNK) if last is None else page.where(table.c.id > last).limit(CHUNK)
        rows = db.session.execute(page).all()
        for row in rows:
            mapping = row._mapping
            yield [
                encode(column, mapping[column], mapping.get(f"__null_{column.name}"))
                for column in table.columns
            ]
        if not keyed or len(rows) < CHUNK:
            return
        last = rows[-1]._mapping[table.c.id]


# --- export --------------------------------------------------------------------------------


@dataclass
class ExportReport:
    path: Path
    tables: dict[str, int]
    files: int

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def tenant_folders(tenant_id: int) -> Iterator[tuple[str, Path]]:
    """``(area, folder)`` for every ``UPLOAD_DIR/<area>/<tenant id>/`` that exists."""
    root = Path(current_app.config["UPLOAD_DIR"])
    if not root.is_dir():
        return
    for area in sorted(p for p in root.iterdir() if p.is_dir()):
        folder = area / str(tenant_id)
        if folder.is_dir():
            yield area.name, folder


def _write_table(archive: zipfile.ZipFile, table: Table, rows: Iterable[list[Any]]) -> int:
    count = 0
    with archive.open(f"tables/{table.name}.json", "w") as handle:
        columns = json.dumps([column.name for column in table.columns])
        handle.write(f'{{"table": "{table.name}", "columns": {columns}, "rows": ['.encode())
        for row in rows:
            handle.write((b",\n" if count else b"\n") + json.dumps(row, ensure_ascii=False).encode())
            count += 1
        handle.write(b"\n]}\n")
    return count


def export_tenant(tenant: Tenant, path: Path) -> ExportReport:
    """Write ``tenant``'s archive to ``path`` (refused if it exists); records ``tenant.exported``."""
    from kringwerk.audit.services import record

    path = Path(path)
    if path.exists():
        raise ArchiveError(_("%(file)s exists already; choose another file.", file=path))
    tenant_id, slug = tenant.id, tenant.slug
    heads = schema_heads()
    if db.session.get_bind().dialect.name == "postgresql":
        # One snapshot for every table, however long the walk takes.
        db.session.commit()
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    counts: dict[str, int] = {}
    order: list[str] = []
    user_ids: set[int] = set()
    other_tenants: set[int] = set()
    handle, temporary = tempfile.mkstemp(prefix=".kringwerk-archive-", dir=path.parent or Path("."))
    os.close(handle)
    os.chmod(temporary, 0o600)  # personal data: readable by the one who made it
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            tenants = db.metadata.tables["tenants"]
            counts["tenants"] = _write_table(archive, tenants, read_rows(tenants, tenants.c.id == tenant_id))
            with tenant_scope(tenant):
                for table in tenant_tables():
                    user_columns, tenant_columns = _outside_references(table)
                    rows = _collect(
                        read_rows(table, table.c.tenant_id == tenant_id),
                        table,
                        user_columns,
                        tenant_columns,
                        user_ids,
                        other_tenants,
                    )
                    counts[table.name] = _write_table(archive, table, rows)
                    order.append(table.name)
                users = _users()
                counts["users"] = _write_table(
                    archive, users, read_rows(users, users.c.id.in_(sorted(user_ids)))
                )
                mails = _sent_mails()
                counts["sent_mails"] = _write_table(
                    archive,
                    mails,
                    read_rows(mails, mails.c.key.startswith(f"t{tenant_id}:", autoescape=True)),
                )
                with unscoped("tenant archive: name the other tenants its rows refer to"):
                    named = db.session.execute(
                        select(tenants.c.id, tenants.c.slug, tenants.c.name).where(
                            tenants.c.id.in_(sorted(other_tenants - {tenant_id}))
                        )
                    ).all()
            files = []
            for area, folder in tenant_folders(tenant_id):
                for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                    name = f"{area}/{file.relative_to(folder).as_posix()}"
                    data = file.read_bytes()
                    archive.writestr(f"files/{name}", data)
                    files.append(
                        {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                    )
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": utcnow().isoformat(),
                "schema_heads": heads,
                "database": db.session.get_bind().dialect.name,
                "tenant": {"id": tenant_id, "slug": slug, "name": tenant.name},
                "tables": ["tenants", "users", *order, "sent_mails"],
                "rows": counts,
                "other_tenants": [{"id": i, "slug": s, "name": n} for i, s, n in named],
                "files": files,
            }
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        db.session.commit()  # end the snapshot
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        db.session.rollback()
        raise
    tenant = db.session.get(Tenant, tenant_id)
    with tenant_scope(tenant):
        record(
            "tenant.exported",
            target=tenant,
            details={"file": path.name, "rows": sum(counts.values()), "files": len(files)},
        )
        db.session.commit()
    return ExportReport(path=path, tables=counts, files=len(files))


def _outside_references(table: Table) -> tuple[list[str], list[str]]:
    """The columns of ``table`` pointing at users, and at other tenants (not ``tenant_id``)."""
    users, tenants = [], []
    for key in table.foreign_keys:
        if key.column.table.name == "users":
            users.append(key.parent.name)
        elif key.column.table.name == "tenants" and key.parent.name != "tenant_id":
            tenants.append(key.parent.name)
    return users, tenants


def _collect(rows, table, user_columns, tenant_columns, user_ids, tenant_ids):
    positions = {column.name: index for index, column in enumerate(table.columns)}
    for row in rows:
        for name in user_columns:
            if row[positions[name]] is not None:
                user_ids.add(row[positions[name]])
        for name in tenant_columns:
            if row[positions[name]] is not None:
                tenant_ids.add(row[positions[name]])
        yield row


# --- import --------------------------------------------------------------------------------


@dataclass
class Archive:
    """One archive opened for restoring."""

    path: Path
    zip: zipfile.ZipFile
    manifest: dict[str, Any]

    @property
    def tenant_id(self) -> int:
        return int(self.manifest["tenant"]["id"])

    @property
    def slug(self) -> str:
        return str(self.manifest["tenant"]["slug"])

    def table(self, name: str) -> tuple[list[str], list[list[Any]]]:
        if name not in self.manifest["rows"]:
            return [], []
        with self.zip.open(f"tables/{name}.json") as handle:
            data = json.load(handle)
        return data["columns"], data["rows"]


@dataclass
class ImportReport:
    tenants: list[str]
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    # Rows left out because they refer to a tenant that is not in this database, per table.
    left_out: dict[str, int] = field(default_factory=dict)
    left_out_keys: dict[str, set] = field(default_factory=dict)
    users_created: int = 0
    users_kept: int = 0

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def open_archive(path: Path) -> Archive:
    try:
        opened = zipfile.ZipFile(path)
        manifest = json.loads(opened.read("manifest.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise ArchiveError(
            _("%(file)s is not a Kringwerk tenant archive (%(error)s).", file=path, error=error)
        ) from None
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(
            _(
                "%(file)s is not a Kringwerk tenant archive of format version %(version)s.",
                file=path,
                version=FORMAT_VERSION,
            )
        )
    return Archive(Path(path), opened, manifest)


def import_archives(paths: list[Path], *, dry_run: bool = False) -> ImportReport:
    """Restore one or more tenant archives in one transaction, keeping every id.

    The database must hold none of these tenants, none of their ids and none of their files;
    its schema must be the archives' (the same migration heads). Archives restored together
    resolve their references to each other (a network and its members); a row referring to a
    tenant that is neither restored nor present is left out, with the rows depending on it,
    and the report says how many.
    """
    archives = [open_archive(Path(path)) for path in paths]
    try:
        _check(archives)
        report = ImportReport(tenants=[archive.slug for archive in archives])
        written: list[Path] = []
        try:
            with unscoped("tenant import: restore whole tenants from their archives"):
                _insert_all(archives, report)
                _reset_sequences()
            for archive in archives:
                tenant = db.session.get(Tenant, archive.tenant_id)
                with tenant_scope(tenant):
                    from kringwerk.audit.services import record

                    record(
                        "tenant.imported",
                        target=tenant,
                        details={
                            "file": archive.path.name,
                            "exported_at": archive.manifest["created_at"],
                            "left_out": report.left_out,
                        },
                    )
                    db.session.flush()
            if dry_run:
                db.session.rollback()
                return report
            for archive in archives:
                written += _write_files(archive)
            report.files = len(written)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            for path in written:
                path.unlink(missing_ok=True)
            raise
        return report
    finally:
        for archive in archives:
            archive.zip.close()


def _check(archives: list[Archive]) -> None:
    heads = schema_heads()
    problems: list[str] = []
    for archive in archives:
        if archive.manifest["schema_heads"] != heads:
            problems.append(
                _(
                    "%(file)s was written at schema %(archive)s; this Kringwerk is at %(here)s. Restore it "
                    "with the version that wrote it, then run `kringwerk db upgrade`.",
                    file=archive.path.name,
                    archive=", ".join(archive.manifest["schema_heads"]),
                    here=", ".join(heads),
                )
            )
        unknown = [name for name in archive.manifest["tables"] if name not in db.metadata.tables]
        if unknown:
            problems.append(
                _(
                    "%(file)s holds tables this installation lacks (a plugin not installed?): %(tables)s",
                    file=archive.path.name,
                    tables=", ".join(unknown),
                )
            )
    in_database = database_heads()
    if in_database is not None and in_database != heads:
        problems.append(
            _("The database is not at this Kringwerk's schema; run `kringwerk db upgrade` first.")
        )
    slugs = [archive.slug for archive in archives]
    ids = [archive.tenant_id for archive in archives]
    if len(set(slugs)) != len(slugs) or len(set(ids)) != len(ids):
        problems.append(_("The same tenant is in more than one of these archives."))
    if problems:
        raise ArchiveError("\n".join(problems))
    tenants = db.metadata.tables["tenants"]
    with unscoped("tenant import: check that the database is free for these tenants"):
        taken = (
            db.session.execute(
                select(tenants.c.slug).where((tenants.c.slug.in_(slugs)) | (tenants.c.id.in_(ids)))
            )
            .scalars()
            .all()
        )
        if taken:
            raise ArchiveError(
                _(
                    "This database holds these tenants (or their ids) already: %(tenants)s. Restore into "
                    "an empty database, or one without them.",
                    tenants=", ".join(sorted(taken)),
                )
            )
        for archive in archives:
            problems += _taken_ids(archive)
            problems += _user_conflicts(archive)
            problems += _taken_files(archive)
        if db.session.get_bind().dialect.name == "postgresql":
            problems += _sequence_rights(archives)
    if problems:
        raise ArchiveError("\n".join(problems))


def _taken_ids(archive: Archive) -> list[str]:
    problems = []
    for name in archive.manifest["tables"]:
        if name in ("tenants", "users", "sent_mails") or not archive.manifest["rows"].get(name):
            continue
        table = db.metadata.tables[name]
        if [c.name for c in table.primary_key.columns] != ["id"]:
            continue
        columns, rows = archive.table(name)
        position = columns.index("id")
        wanted = [row[position] for row in rows]
        for start in range(0, len(wanted), CHUNK):
            found = db.session.scalar(
                select(func.count()).select_from(table).where(table.c.id.in_(wanted[start : start + CHUNK]))
            )
            if found:
                problems.append(
                    _(
                        "%(file)s: ids of %(table)s are in use in this database.",
                        file=archive.path.name,
                        table=name,
                    )
                )
                break
    return problems


def _user_conflicts(archive: Archive) -> list[str]:
    users = _users()
    columns, rows = archive.table("users")
    problems = []
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        by_id = db.session.execute(select(users.c.email).where(users.c.id == values["id"])).scalar()
        if by_id is not None and by_id.lower() != values["email"].lower():
            problems.append(
                _(
                    "%(file)s: account #%(id)s is another person here (%(email)s).",
                    file=archive.path.name,
                    id=values["id"],
                    email=by_id,
                )
            )
        elif by_id is None:
            other = db.session.scalar(
                select(users.c.id).where(func.lower(users.c.email) == values["email"].lower())
            )
            if other is not None:
                problems.append(
                    _(
                        "%(file)s: %(email)s has another account number here (#%(id)s).",
                        file=archive.path.name,
                        email=values["email"],
                        id=other,
                    )
                )
    return problems


def _safe_name(name: str, tenant_id: int) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or len(path.parts) < 2:
        raise ArchiveError(_("An unsafe file name in the archive: %(name)s", name=name))
    return path


def _target(archive: Archive, name: str) -> Path:
    path = _safe_name(name, archive.tenant_id)
    area, rest = path.parts[0], path.parts[1:]
    return Path(current_app.config["UPLOAD_DIR"]) / area / str(archive.tenant_id) / Path(*rest)


def _taken_files(archive: Archive) -> list[str]:
    problems = []
    for entry in archive.manifest["files"]:
        target = _target(archive, entry["path"])
        if target.exists():
            problems.append(_("%(file)s: %(target)s exists already.", file=archive.path.name, target=target))
    return problems


def _sequence_rights(archives: list[Archive]) -> list[str]:
    for name in _sequenced_tables(archives):
        allowed = db.session.scalar(
            text("SELECT has_sequence_privilege(pg_get_serial_sequence(:table, 'id'), 'UPDATE')"),
            {"table": name},
        )
        if allowed is False:
            return [
                _(
                    "The import resets the id sequences, which the app's database role may not do: run it "
                    "as the database owner (the role that runs `kringwerk db upgrade`)."
                )
            ]
    return []


def _sequenced_tables(archives: list[Archive]) -> list[str]:
    names = []
    for name in ["tenants", "users", *tenant_table_names()]:
        table = db.metadata.tables[name]
        if [c.name for c in table.primary_key.columns] == ["id"] and any(
            archive.manifest["rows"].get(name) for archive in archives
        ):
            names.append(name)
    return names


def tenant_table_names() -> list[str]:
    return [table.name for table in tenant_tables()]


def _insert_all(archives: list[Archive], report: ImportReport) -> None:
    tenants = db.metadata.tables["tenants"]
    for archive in archives:
        _insert(tenants, *archive.table("tenants"), report)
    present = set(db.session.execute(select(tenants.c.id)).scalars())
    users = _users()
    for archive in archives:
        columns, rows = archive.table("users")
        existing = set(
            db.session.execute(
                select(users.c.id).where(users.c.id.in_([r[columns.index("id")] for r in rows]))
            ).scalars()
        )
        fresh = [row for row in rows if row[columns.index("id")] not in existing]
        # Operator rights belong to the platform, not to a tenant: a restored account gets none.
        fresh = [
            [False if c == "is_operator" else v for c, v in zip(columns, row, strict=True)] for row in fresh
        ]
        _insert(users, columns, fresh, report)
        report.users_created += len(fresh)
        report.users_kept += len(rows) - len(fresh)
        existing |= {row[columns.index("id")] for row in fresh}
    skipped: dict[str, set] = {}
    for table in tenant_tables():
        for archive in archives:
            columns, rows = archive.table(table.name)
            kept = [row for row in rows if not _left_out(table, columns, row, present, skipped)]
            gone = len(rows) - len(kept)
            if gone:
                report.left_out[table.name] = report.left_out.get(table.name, 0) + gone
            _insert(table, columns, kept, report)
    report.left_out_keys = skipped
    mails = _sent_mails()
    for archive in archives:
        columns, rows = archive.table("sent_mails")
        for row in rows:
            values = {c: decode(mails.c[c], v) for c, v in zip(columns, row, strict=True) if c != "id"}
            known = db.session.scalar(select(mails.c.id).where(mails.c.key == values["key"]))
            if known is None:
                db.session.execute(insert(mails).values(**values))
                report.tables["sent_mails"] = report.tables.get("sent_mails", 0) + 1


def _left_out(table: Table, columns: list[str], row: list[Any], present: set[int], skipped) -> bool:
    """Whether ``row`` refers to a tenant not in the database, or to a row left out."""
    values = dict(zip(columns, row, strict=True))
    for key in table.foreign_key_constraints:
        target = key.referred_table.name
        for element in key.elements:
            if element.parent.name == "tenant_id":
                continue
            value = values.get(element.parent.name)
            if value is None:
                continue
            if target == "tenants" and value not in present:
                break
            if element.column.name == "id" and value in skipped.get(target, ()):
                break
        else:
            continue
        if "id" in values:
            skipped.setdefault(table.name, set()).add(values["id"])
        else:
            skipped.setdefault(table.name, set()).add(
                tuple(values[c.name] for c in table.primary_key.columns)
            )
        return True
    return False


def _insert(table: Table, columns: list[str], rows: list[list[Any]], report: ImportReport) -> None:
    if not rows:
        return
    for column in columns:
        if column not in table.c:
            raise ArchiveError(
                _("Table %(table)s has no column %(column)s here.", table=table.name, column=column)
            )
    for start in range(0, len(rows), CHUNK):
        batch = [
            {name: decode(table.c[name], value) for name, value in zip(columns, row, strict=True)}
            for row in rows[start : start + CHUNK]
        ]
        db.session.execute(insert(table), batch)
    report.tables[table.name] = report.tables.get(table.name, 0) + len(rows)


def _reset_sequences() -> None:
    """After inserting with kept ids, PostgreSQL's sequences must move past them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite takes the largest id + 1 by itself
    for table in [db.metadata.tables["tenants"], _users(), *tenant_tables()]:
        if [c.name for c in table.primary_key.columns] != ["id"]:
            continue
        db.session.execute(
            text(
                "SELECT setval(s.seq, GREATEST(m.top, COALESCE(pg_sequence_last_value(s.seq), 1))) "
                "FROM (SELECT pg_get_serial_sequence(:table, 'id')::regclass AS seq) s, "
                f"(SELECT max(id) AS top FROM {table.name}) m WHERE m.top IS NOT NULL"
            ),
            {"table": table.name},
        )


def _write_files(archive: Archive) -> list[Path]:
    written = []
    for entry in archive.manifest["files"]:
        data = archive.zip.read(f"files/{entry['path']}")
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise ArchiveError(
                _(
                    "%(file)s: %(name)s is damaged (its checksum differs).",
                    file=archive.path.name,
                    name=entry["path"],
                )
            )
        target = _target(archive, entry["path"])
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as handle:
            written.append(target)
            handle.write(data)
    return written
