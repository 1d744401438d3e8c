"""A tenant's archive (``kringwerk tenants export`` / ``import``): every demo tenant goes into
its archive and comes back into a fresh database with the same rows in every table and the
same files, on SQLite and PostgreSQL; another tenant's rows never enter an archive; the
import refuses what it cannot restore whole, and changes nothing then."""

from __future__ import annotations

import json
import shutil
import uuid
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import JSON, create_engine, make_url, select, text
from sqlalchemy.pool import NullPool

from kringwerk import create_app
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope, unscoped
from kringwerk.tenancy.models import Tenant
from kringwerk.tenants import archive
from kringwerk.tenants.services import logo_folder
from tests.conftest import APP_ROLE, base_config

DEMO_SLUGS = [
    "bedrijvenkring-zutphen",
    "cleantech-regio",
    "ikl",
    "mkb-deventer",
    "mkb-lv",
    "ondernemend-apeldoorn",
    "ondernemend-assen",
]
# Entries the export and the import add to the trail themselves.
OWN_ACTIONS = ("tenant.exported", "tenant.imported")


@contextmanager
def fresh_app(request, database_backend: str, tmp_path: Path, *, as_app_role: bool = False):
    """An app on a new, empty database with the whole schema. On PostgreSQL it connects as
    the owner (who runs migrations and imports), or as the app's role when asked."""
    folder = tmp_path / f"target-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    drop = None
    if database_backend == "sqlite":
        path = folder / "target.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        server = request.getfixturevalue("postgres_server")
        request.getfixturevalue("postgres_template")
        name = f"kringwerk_restore_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name} TEMPLATE kringwerk_template"))
        owner = make_url(server.url).set(database=name)
        if as_app_role:
            owner = owner.set(username=APP_ROLE)
        url = owner.render_as_string(hide_password=False)

        def drop():
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()

    target = create_app(base_config(folder, url), environ={})
    try:
        with target.app_context():
            yield target
            db.session.remove()
            db.engine.dispose()
    finally:
        if drop:
            drop()


def tenant_rows(tenant_id: int) -> dict[str, list[tuple]]:
    """Every row of the tenant in every table (JSON nulls told apart from no value), by key."""
    rows: dict[str, list[tuple]] = {}
    with unscoped("test: read a whole tenant"):
        for table in archive.tenant_tables():
            flags = [table.c[c.name].is_(None) for c in table.columns if isinstance(c.type, JSON)]
            statement = select(*table.columns, *flags).where(table.c.tenant_id == tenant_id)
            if table.name == "audit_entries":
                statement = statement.where(table.c.action.not_in(OWN_ACTIONS))
            found = db.session.execute(statement.order_by(*archive._order(table))).all()
            rows[table.name] = [tuple(row) for row in found]
        tenants = db.metadata.tables["tenants"]
        rows["tenants"] = [
            tuple(r) for r in db.session.execute(select(tenants).where(tenants.c.id == tenant_id))
        ]
    return rows


def users_of(ids) -> list[tuple]:
    users = db.metadata.tables["users"]
    columns = [c for c in users.columns if c.name != "is_operator"]
    return [
        tuple(r) for r in db.session.execute(select(*columns).where(users.c.id.in_(ids)).order_by(users.c.id))
    ]


def files_of(tenant_id: int) -> dict[str, bytes]:
    return {
        f"{area}/{path.relative_to(folder).as_posix()}": path.read_bytes()
        for area, folder in archive.tenant_folders(tenant_id)
        for path in folder.rglob("*")
        if path.is_file()
    }


def archived_user_ids(path: Path) -> list[int]:
    with zipfile.ZipFile(path) as opened:
        data = json.loads(opened.read("tables/users.json"))
    return [row[data["columns"].index("id")] for row in data["rows"]]


def without(rows: dict[str, list[tuple]], left_out: dict[str, set]) -> dict[str, list[tuple]]:
    """The source's rows minus those the import left out (keyed by id, or the whole key)."""
    kept = {}
    for name, table_rows in rows.items():
        gone = left_out.get(name, set())
        if not gone:
            kept[name] = table_rows
            continue
        table = db.metadata.tables[name]
        keys = [list(table.columns).index(c) for c in table.primary_key.columns]
        kept[name] = [
            r for r in table_rows if (r[keys[0]] if len(keys) == 1 else tuple(r[k] for k in keys)) not in gone
        ]
    return kept


@pytest.fixture
def demo(app, world):
    """The demo tenants, with a logo for one of them and the world's two tenants beside."""
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    ikl = db.session.scalar(select(Tenant).where(Tenant.slug == "ikl"))
    folder = logo_folder(ikl)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "logo.png").write_bytes(b"\x89PNG ikl logo")
    ikl.logo_filename = "logo.png"
    db.session.commit()
    return world


@pytest.mark.both_databases
def test_every_demo_tenant_comes_back_whole(request, database_backend, app, demo, tmp_path):
    sources = {}
    for slug in DEMO_SLUGS:
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        path = tmp_path / f"{slug}.zip"
        result = app.test_cli_runner().invoke(args=["tenants", "export", slug, "--output", str(path)])
        assert result.exit_code == 0, result.output
        assert f"Wrote {path}" in result.output
        sources[slug] = (tenant.id, path, tenant_rows(tenant.id), files_of(tenant.id))
        sources[slug] += (users_of(archived_user_ids(path)),)
    assert sources["ikl"][4]  # the accounts its rows name travel along
    assert sources["ikl"][3]["tenants/logo.png"] == b"\x89PNG ikl logo"
    assert any(name.startswith("files/") for slug in DEMO_SLUGS for name in sources[slug][3])

    for slug, (tenant_id, path, rows, files, users) in sources.items():
        with fresh_app(request, database_backend, tmp_path) as target:
            result = target.test_cli_runner().invoke(args=["tenants", "import", str(path)])
            assert result.exit_code == 0, result.output
            assert f"Restored {slug}" in result.output
            if slug == "cleantech-regio":  # alone, the network's ties to its members cannot come back
                assert "Left out" in result.output and "affiliations" in result.output
            report_keys = _left_out_keys(target, path)
            assert tenant_rows(tenant_id) == without(rows, report_keys), slug
            assert files_of(tenant_id) == files, slug
            assert users_of(archived_user_ids(path)) == users
            restored = db.session.get(Tenant, tenant_id)
            with tenant_scope(restored):
                trail = db.session.execute(
                    text("SELECT action FROM audit_entries WHERE tenant_id = :t"), {"t": tenant_id}
                )
                assert "tenant.imported" in set(trail.scalars())
            _new_rows_get_new_ids(restored)


def _left_out_keys(target, path: Path) -> dict[str, set]:
    """What a lone import left out: rerun it dry on a copy of the check (the database has it now)."""
    opened = archive.open_archive(path)
    try:
        with unscoped("test: which rows refer to absent tenants"):
            tenants = db.metadata.tables["tenants"]
            present = set(db.session.execute(select(tenants.c.id)).scalars())
            skipped: dict[str, set] = {}
            for table in archive.tenant_tables():
                columns, rows = opened.table(table.name)
                for row in rows:
                    archive._left_out(table, columns, row, present, skipped)
    finally:
        opened.zip.close()
    return skipped


def _new_rows_get_new_ids(tenant) -> None:
    """The sequences moved past the restored ids: a new row after the import is saved."""
    from kringwerk.members.models import Circle

    with tenant_scope(tenant):
        circle = Circle(name="Na het terugzetten")
        db.session.add(circle)
        db.session.commit()
        assert circle.id is not None


@pytest.mark.both_databases
def test_a_network_and_its_members_restored_together_lose_nothing(
    request, database_backend, app, demo, tmp_path, monkeypatch
):
    monkeypatch.setattr(archive, "CHUNK", 40)  # many pages per table
    paths, sources = [], {}
    for slug in DEMO_SLUGS:
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        paths.append(archive.export_tenant(tenant, tmp_path / f"{slug}.zip").path)
        sources[tenant.id] = tenant_rows(tenant.id)
    with fresh_app(request, database_backend, tmp_path) as target:
        result = target.test_cli_runner().invoke(args=["tenants", "import", *map(str, paths)])
        assert result.exit_code == 0, result.output
        assert "Left out" not in result.output
        for tenant_id, rows in sources.items():
            assert tenant_rows(tenant_id) == rows
        # The world's tenants were not archived and are not here.
        assert db.session.scalar(select(Tenant).where(Tenant.slug == "kring-a")) is None


def test_another_tenants_rows_and_files_stay_out(app, world, tmp_path):
    from kringwerk.members.models import Company

    for side, name in ((world.a, "Alpha BV"), (world.b, "Bravo BV")):
        with tenant_scope(side.tenant):
            db.session.add(Company(name=name))
            db.session.flush()
        folder = logo_folder(side.tenant)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "logo.png").write_bytes(name.encode())
    db.session.commit()
    path = archive.export_tenant(world.a.tenant, tmp_path / "a.zip").path
    with zipfile.ZipFile(path) as opened:
        manifest = json.loads(opened.read("manifest.json"))
        assert manifest["tenant"]["slug"] == "kring-a"
        for name in manifest["tables"]:
            data = json.loads(opened.read(f"tables/{name}.json"))
            if "tenant_id" in data["columns"]:
                position = data["columns"].index("tenant_id")
                assert {row[position] for row in data["rows"]} <= {world.a.tenant.id}, name
        assert b"Bravo" not in b"".join(opened.read(n) for n in opened.namelist())
        assert [f["path"] for f in manifest["files"]] == ["tenants/logo.png"]
        assert opened.read("files/tenants/logo.png") == b"Alpha BV"
    emails = set(_user_emails(path))
    assert world.a.admin.email in emails and world.b.admin.email not in emails
    assert world.operator.email not in emails and world.outsider.email not in emails
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def _user_emails(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as opened:
        data = json.loads(opened.read("tables/users.json"))
    return [row[data["columns"].index("email")] for row in data["rows"]]


def test_export_never_overwrites_and_names_unknown_tenants(app, world, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenants", "export", "kring-x"])
    assert result.exit_code == 1 and "There is no tenant kring-x." in result.output
    existing = tmp_path / "a.zip"
    existing.write_bytes(b"keep me")
    result = runner.invoke(args=["tenants", "export", "kring-a", "--output", str(existing)])
    assert result.exit_code == 1 and "exists already" in result.output
    assert existing.read_bytes() == b"keep me"


@pytest.mark.both_databases
def test_import_refuses_a_database_that_holds_the_tenant(request, database_backend, app, world, tmp_path):
    path = archive.export_tenant(world.a.tenant, tmp_path / "a.zip").path
    before = tenant_rows(world.b.tenant.id)
    result = app.test_cli_runner().invoke(args=["tenants", "import", str(path)])
    assert result.exit_code == 1
    assert "holds these tenants" in result.output and "Nothing was changed." in result.output
    assert tenant_rows(world.b.tenant.id) == before


@pytest.mark.postgresql_only
def test_import_as_the_app_role_is_refused_before_anything_is_written(
    request, database_backend, app, world, tmp_path
):
    path = archive.export_tenant(world.a.tenant, tmp_path / "a.zip").path
    with fresh_app(request, database_backend, tmp_path, as_app_role=True) as target:
        result = target.test_cli_runner().invoke(args=["tenants", "import", str(path)])
        assert result.exit_code == 1
        assert "database owner" in result.output
        with unscoped("test: nothing restored"):
            assert db.session.scalar(select(Tenant.id)) is None


def test_import_refuses_another_schema_and_a_damaged_file(request, app, world, tmp_path):
    path = archive.export_tenant(world.a.tenant, tmp_path / "a.zip").path
    older = tmp_path / "older.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(older, "w") as copy:
        for item in source.namelist():
            data = source.read(item)
            if item == "manifest.json":
                manifest = json.loads(data)
                manifest["schema_heads"] = ["0000older"]
                data = json.dumps(manifest).encode()
            copy.writestr(item, data)
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with fresh_app(request, "sqlite", tmp_path) as target:
        runner = target.test_cli_runner()
        result = runner.invoke(args=["tenants", "import", str(older)])
        assert result.exit_code == 1 and "0000older" in result.output
        result = runner.invoke(args=["tenants", "import", str(tmp_path / "junk.zip")])
        assert result.exit_code == 1 and "is not a Kringwerk tenant archive" in result.output
        result = runner.invoke(args=["tenants", "import", "--dry-run", str(path)])
        assert result.exit_code == 0 and "Dry run" in result.output
        assert db.session.scalar(select(Tenant.id)) is None
