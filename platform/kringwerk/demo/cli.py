"""Command-line commands of the demo (collected by kringwerk.cli): ``kringwerk demo``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError, ProgrammingError


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


@click.command("demo")
@click.option(
    "--tenants",
    "tenants_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of tenant files (default: TENANTS_DIR, the tenants/ folder).",
)
@with_appcontext
def demo_command(tenants_dir: Path | None) -> None:
    """Load the demo: sync tenants/, add demo companies and people, print the demo logins.

    Needs a migrated database (`kringwerk db upgrade`). Running it again adds nothing.
    """
    from kringwerk.cli import fail_unready_database
    from kringwerk.demo.services import load_demo
    from kringwerk.tenants.sync import SyncError

    try:
        result = load_demo(tenants_dir)
    except SyncError as error:
        for message in error.errors:
            click.echo(message, err=True)
        click.echo(_("Nothing was changed."), err=True)
        raise SystemExit(1) from None
    except (OperationalError, ProgrammingError) as error:
        fail_unready_database(error)

    for line in result.sync.lines():
        click.echo(line)
    click.echo()
    if result.added_anything:
        nouns = {
            "companies": _("companies"),
            "contacts": _("contact persons"),
            "memberships": _("memberships"),
        }
        for slug, counts in sorted(result.added.items()):
            if any(counts.values()):
                parts = ", ".join(
                    f"{count} {nouns.get(what, what)}" for what, count in counts.items() if count
                )
                click.echo(_("%(slug)s: added %(parts)s", slug=slug, parts=parts))
    else:
        click.echo(_("The demo data is already there; nothing was added."))
    click.echo()
    rows = [[_("Role"), _("E-mail address"), _("Password"), _("Start at")]]
    rows += [[login.role, login.email, login.password, login.url] for login in result.logins]
    for line in _table(rows):
        click.echo(line)
    click.echo()
    for label, url in result.links:
        click.echo(f"{label}: {url}")
    click.echo(_("Base URL: %(url)s", url=result.base_url))


commands: list[click.Command] = [demo_command]
