"""Command-line commands of tenant administration (collected by kringwerk.cli): ``kringwerk tenants sync``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError, ProgrammingError

from kringwerk.cli import fail_unready_database

tenants = AppGroup("tenants", help="Tenants as code (tenants/<slug>/tenant.toml).")


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


commands: list[click.Command] = [tenants]
