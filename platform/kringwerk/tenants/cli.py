"""Command-line commands of tenant administration (collected by kringwerk.cli): ``kringwerk tenants
sync``, and ``export`` / ``import`` of a tenant's archive (docs/backups.md)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError, ProgrammingError

from kringwerk.cli import fail_unready_database

tenants = AppGroup(
    "tenants", help="Tenants as code (tenants/<slug>/tenant.toml), and archives of a tenant (backups)."
)


@tenants.command("sync")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change without saving anything.")
def sync_command(path: Path | None, dry_run: bool) -> None:
    """Create or update the tenants described in PATH (default: the tenants/ folder).

    PATH may be a folder of tenant folders, one tenant folder, or one tenant.toml.
    Every file is validated first; with any error nothing changes and the
    command exits with status 1.
    """
    from kringwerk.tenants.sync import SyncError, sync_tenants

    root = path or Path(current_app.config["TENANTS_DIR"])
    try:
        report = sync_tenants(root, dry_run=dry_run)
    except SyncError as error:
        for message in error.errors:
            click.echo(message, err=True)
        click.echo(_("Nothing was changed."), err=True)
        raise SystemExit(1) from None
    except (OperationalError, ProgrammingError) as error:
        fail_unready_database(error)
    for line in report.lines():
        click.echo(line)


@tenants.command("export")
@click.argument("slug")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The archive to write (default: kringwerk-<slug>-<time>.zip here). An existing file is never overwritten.",
)
def export_command(slug: str, output: Path | None) -> None:
    """Write every row and stored file of the tenant SLUG to one archive (a zip)."""
    from sqlalchemy import select

    from kringwerk.extensions import db, utcnow
    from kringwerk.tenancy.models import Tenant
    from kringwerk.tenants.archive import ArchiveError, export_tenant

    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        click.echo(_("There is no tenant %(slug)s.", slug=slug), err=True)
        raise SystemExit(1)
    path = output or Path(f"kringwerk-{slug}-{utcnow():%Y%m%dT%H%M%SZ}.zip")
    try:
        report = export_tenant(tenant, path)
    except ArchiveError as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    click.echo(
        _(
            "Wrote %(path)s: %(rows)s rows in %(tables)s tables and %(files)s files.",
            path=report.path,
            rows=report.rows,
            tables=len(report.tables),
            files=report.files,
        )
    )


@tenants.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False)
)
@click.option(
    "--dry-run", is_flag=True, help="Check the archives and show what would be restored; save nothing."
)
def import_command(files: tuple[Path, ...], dry_run: bool) -> None:
    """Restore tenant archives into this database, keeping every id.

    The database must hold none of these tenants and be at the archives' schema. Give a
    network and its member associations together to keep the rows between them. On
    PostgreSQL run this as the database owner (the role that runs `kringwerk db upgrade`).
    """
    from kringwerk.tenants.archive import ArchiveError, import_archives

    try:
        report = import_archives(list(files), dry_run=dry_run)
    except ArchiveError as error:
        click.echo(str(error), err=True)
        click.echo(_("Nothing was changed."), err=True)
        raise SystemExit(1) from None
    click.echo(
        _(
            "Restored %(tenants)s: %(rows)s rows in %(tables)s tables and %(files)s files.",
            tenants=", ".join(report.tenants),
            rows=report.rows,
            tables=len(report.tables),
            files=report.files,
        )
    )
    for table, count in sorted(report.left_out.items()):
        click.echo(
            _(
                "Left out %(count)s rows of %(table)s: they refer to a tenant that is not in this database.",
                count=count,
                table=table,
            )
        )
    if dry_run:
        click.echo(_("Dry run: nothing was saved."))


commands: list[click.Command] = [tenants]
