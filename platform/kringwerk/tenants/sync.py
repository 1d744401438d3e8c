"""Tenants as code: ``tenants/<slug>/tenant.toml`` files brought into the database.

``sync_tenants(path)`` first reads and validates every file (the schema is in
``tenants.toml_schema``); any problem is reported with the file and the field,
and then nothing changes. Only when all files are valid does it apply them, in
one transaction: tenants are created or updated, plugins enabled or disabled,
circles, parks and themes added or updated (by name or key), and network
affiliations added or updated once all tenants exist. What a file does not list
is never deleted, so data added in the application survives a sync. A second
run with the same files changes nothing.

The schema is documented in ``tenants/README.md``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from kringwerk.audit.services import record
from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark, Circle, Theme
from kringwerk.members.themes import DEFAULT_THEMES
from kringwerk.pluginhost import gating
from kringwerk.pluginhost.registry import get_registry
from kringwerk.pluginhost.services import (
    PluginError,
    disable_plugin,
    enable_plugin,
    plugin_settings,
    update_plugin_settings,
)
from kringwerk.tenancy.context import tenant_scope
from kringwerk.tenancy.models import Affiliation, AffiliationStatus, Tenant, TenantKind
from kringwerk.tenants.services import TenantError, create_tenant, validate_slug
from kringwerk.tenants.toml_schema import SchemaError, TenantTable, parse

FILE_NAME = "tenant.toml"
DEFAULT_THEME_NAMES = {key: {"name_nl": nl, "name_en": en} for key, nl, en in DEFAULT_THEMES}


class SyncError(Exception):
    """The tenant files cannot be applied; ``errors`` holds one message per problem."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass
class TenantFile:
    """One validated tenant.toml: only what the file states is managed."""

    slug: str
    label: str  # the path as shown in messages
    tenant: dict[str, Any]  # Tenant attribute -> value
    plugins: dict[str, dict[str, Any]] | None  # None: the file leaves plugins alone
    circles: list[dict[str, Any]] = field(default_factory=list)
    parks: list[dict[str, Any]] = field(default_factory=list)
    themes: list[dict[str, Any]] = field(default_factory=list)
    affiliations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TenantChanges:
    """What a sync did (or, in a dry run, would do) to one tenant."""

    slug: str
    created: bool = False
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created or bool(self.changes)


@dataclass
class SyncReport:
    tenants: list[TenantChanges]
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return any(item.changed for item in self.tenants)

    def lines(self) -> list[str]:
        """The report as text lines, for the command line."""
        lines = []
        for item in self.tenants:
            if item.created:
                lines.append(_("%(slug)s: created", slug=item.slug))
            elif item.changes:
                lines.append(
                    ngettext(
                        "%(slug)s: %(num)d change",
                        "%(slug)s: %(num)d changes",
                        len(item.changes),
                        slug=item.slug,
                    )
                )
            else:
                lines.append(_("%(slug)s: unchanged", slug=item.slug))
            lines.extend(f"  - {change}" for change in item.changes)
        if not self.tenants:
            lines.append(_("No tenant files found."))
        elif not self.changed:
            lines.append(_("No changes."))
        if self.dry_run and self.changed:
            lines.append(_("Dry run: nothing was saved."))
        return lines


# --- reading and validating ------------------------------------------------------------


def _display(path: Path) -> str:
    """The path relative to the working directory when it lies below it (as people type it)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def find_tenant_files(root: Path) -> list[Path]:
    """The tenant files under ``root``: a tenant.toml, a tenant folder, or a folder of tenant folders."""
    if root.is_file():
        return [root]
    if (root / FILE_NAME).is_file():
        return [root / FILE_NAME]
    return [
        folder / FILE_NAME
        for folder in sorted(root.iterdir())
        if folder.is_dir() and not folder.name.startswith((".", "_"))
    ]


def _read(path: Path, label: str) -> dict:
    if not path.is_file():
        raise SchemaError(
            [f"{label}: " + _("file not found (every tenant folder needs a %(name)s)", name=FILE_NAME)]
        )
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise SchemaError([f"{label}: " + _("TOML syntax error: %(error)s", error=str(error))]) from None
    except UnicodeDecodeError:
        raise SchemaError([f"{label}: " + _("the file is not valid UTF-8")]) from None


def _slug_problem(slug: str) -> str | None:
    try:
        if validate_slug(slug) != slug:
            raise TenantError(_("use lowercase letters, digits and hyphens"))
    except TenantError as error:
        return _(
            "the folder name “%(slug)s” is not a valid slug: %(error)s", slug=slug, error=str(error.message)
        )
    return None


def load_tenant_files(root: Path | str) -> list[TenantFile]:
    """Read and validate every tenant file under ``root``; raise ``SyncError`` with all problems."""
    root = Path(root)
    if not root.exists():
        raise SyncError([_("%(path)s: no such file or folder", path=_display(root))])
    errors: list[str] = []
    files: list[TenantFile] = []
    unreadable: set[str] = set()  # tenants whose file failed: not to be reported missing as well
    for path in find_tenant_files(root):
        label, slug = _display(path), path.parent.name
        if problem := _slug_problem(slug):
            errors.append(f"{label}: slug: {problem}")
        try:
            document = parse(_read(path, label), label)
        except SchemaError as error:
            errors.extend(error.errors)
            unreadable.add(slug)
            continue
        files.append(
            TenantFile(
                slug=slug,
                label=label,
                tenant=document.tenant.stated(),
                plugins=document.plugins,
                circles=[entry.stated() for entry in document.circles],
                parks=[entry.stated() for entry in document.parks],
                themes=[entry.stated() for entry in document.themes],
                affiliations=[
                    {"where": f"affiliations[{index}]", **entry.stated()}
                    for index, entry in enumerate(document.affiliations)
                ],
            )
        )
    _check_members(files, unreadable, errors)
    if errors:
        raise SyncError(errors)
    return files


def _check_members(files: list[TenantFile], unreadable: set[str], errors: list[str]) -> None:
    """Every affiliation names an association or municipality that is in the files or
    already in the database (a file's kind wins: the sync is about to apply it)."""
    wanted = {item["member"] for spec in files for item in spec.affiliations}
    if not wanted:
        return
    kinds = dict(db.session.execute(select(Tenant.slug, Tenant.kind).where(Tenant.slug.in_(wanted))).all())
    kinds.update({slug: None for slug in unreadable})
    kinds.update({spec.slug: spec.tenant["kind"] for spec in files})
    for spec in files:
        for item in spec.affiliations:
            member = item["member"]
            if member == spec.slug:
                problem = _("a network cannot be its own member")
            elif member not in kinds:
                problem = _("no tenant “%(slug)s” in the tenant files or the database", slug=member)
            elif kinds[member] == TenantKind.REGION:
                problem = _(
                    "“%(slug)s” is a regional network; members are associations or municipalities",
                    slug=member,
                )
            else:
                continue
            errors.append(f"{spec.label}: {item['where']}.member: {problem}")


# --- applying --------------------------------------------------------------------------


def sync_tenants(path: Path | str | None = None, *, actor=None, dry_run: bool = False) -> SyncReport:
    """Validate the tenant files under ``path`` (default ``TENANTS_DIR``) and apply them in one
    transaction, committed unless ``dry_run``. Raises ``SyncError`` and changes nothing when
    any file is invalid."""
    root = Path(path or current_app.config["TENANTS_DIR"])
    files = load_tenant_files(root)
    touched: list[Tenant] = []
    try:
        report = _apply(files, actor, touched)
    except BaseException:
        _forget(touched)
        db.session.rollback()
        raise
    report.dry_run = dry_run
    _forget(touched)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report


def _forget(tenants: list[Tenant]) -> None:
    """Drop cached plugin states: after a rollback they would describe changes that never happened."""
    for tenant in tenants:
        if tenant.id is not None:
            gating.forget(tenant)


def _apply(files: list[TenantFile], actor, touched: list[Tenant]) -> SyncReport:
    slugs = [spec.slug for spec in files]
    existing = {t.slug: t for t in db.session.scalars(select(Tenant).where(Tenant.slug.in_(slugs)))}
    tenants: dict[str, Tenant] = {}
    reports: dict[str, TenantChanges] = {}
    for spec in files:
        report = reports[spec.slug] = TenantChanges(spec.slug)
        try:
            tenant = existing.get(spec.slug)
            if tenant is None:
                attributes = {k: v for k, v in spec.tenant.items() if k not in ("name", "kind")}
                tenant = create_tenant(
                    spec.slug, spec.tenant["name"], spec.tenant["kind"], actor=actor, **attributes
                )
                report.created = True
            else:
                _update_tenant(tenant, spec, report)
            touched.append(tenant)
            gating.forget(tenant)
            tenants[spec.slug] = tenant
            with tenant_scope(tenant):
                if spec.plugins is not None:
                    _sync_plugins(tenant, spec.plugins, actor, report)
                _sync_named(Circle, spec.circles, report)
                _sync_named(BusinessPark, spec.parks, report)
                _sync_themes(spec.themes, report)
                db.session.flush()
        except (TenantError, PluginError) as error:
            raise SyncError([f"{spec.label}: {getattr(error, 'message', error)}"]) from error
    for spec in files:
        if spec.affiliations:
            with tenant_scope(tenants[spec.slug]):
                _sync_affiliations(spec.affiliations, tenants, reports[spec.slug])
                db.session.flush()
    for spec in files:
        report = reports[spec.slug]
        if report.changed:
            with tenant_scope(tenants[spec.slug]):
                record(
                    "tenants.synced",
                    actor=actor,
                    target=tenants[spec.slug],
                    details={"created": report.created, "changes": report.changes, "file": spec.label},
                )
                db.session.flush()
    return SyncReport([reports[slug] for slug in slugs])


def _shown(value: Any) -> str:
    return "—" if value is None else repr(str(value))


def _update_tenant(tenant: Tenant, spec: TenantFile, report: TenantChanges) -> None:
    names = {attribute: field.alias or attribute for attribute, field in TenantTable.model_fields.items()}
    for attribute, value in spec.tenant.items():
        current = getattr(tenant, attribute)
        if current != value:
            report.changes.append(f"{names[attribute]}: {_shown(current)} → {_shown(value)}")
            setattr(tenant, attribute, value)


def _dependency_order(keys: Iterable[str]) -> list[str]:
    """``keys`` with every plugin after the plugins it requires."""
    registry = get_registry()
    keys = set(keys)
    ordered: list[str] = []

    def visit(key: str) -> None:
        if key in ordered:
            return
        for required in registry.get(key).requires:
            if required in keys:
                visit(required)
        ordered.append(key)

    for key in sorted(keys):
        visit(key)
    return ordered


def _sync_plugins(tenant: Tenant, wanted: dict[str, dict], actor, report: TenantChanges) -> None:
    enabled = gating.enabled_keys(tenant)
    for key in reversed(_dependency_order(enabled - set(wanted))):
        disable_plugin(tenant, key, actor=actor)
        report.changes.append(_("plugin disabled: %(key)s", key=key))
    for key in _dependency_order(set(wanted) - enabled):
        enable_plugin(tenant, key, actor=actor, settings=wanted[key] or None)
        report.changes.append(_("plugin enabled: %(key)s", key=key))
    for key, settings in wanted.items():
        if not settings:
            continue
        current = plugin_settings(tenant, key)
        changed = {name: value for name, value in settings.items() if current.get(name) != value}
        if changed:
            update_plugin_settings(tenant, key, changed, actor=actor)
            report.changes.append(
                _("plugin settings of %(key)s: %(names)s", key=key, names=", ".join(sorted(changed)))
            )


def _named_added(model, name: str) -> str:
    # Whole sentences per kind, so translators can word each one properly.
    if model is Circle:
        return _("circle added: %(name)s", name=name)
    return _("park added: %(name)s", name=name)


def _named_updated(model, name: str, fields: str) -> str:
    if model is Circle:
        return _("circle updated: %(name)s (%(fields)s)", name=name, fields=fields)
    return _("park updated: %(name)s (%(fields)s)", name=name, fields=fields)


def _sync_named(model, items: list[dict], report: TenantChanges) -> None:
    """Circles and parks, matched by name; only the fields a file states are updated."""
    if not items:
        return
    existing = {row.name: row for row in db.session.scalars(select(model))}
    for item in items:
        row = existing.get(item["name"])
        if row is None:
            db.session.add(model(**item))
            report.changes.append(_named_added(model, item["name"]))
            continue
        changed = [name for name, value in item.items() if getattr(row, name) != value]
        for name in changed:
            setattr(row, name, item[name])
        if changed:
            report.changes.append(_named_updated(model, row.name, ", ".join(changed)))


def _sync_themes(items: list[dict], report: TenantChanges) -> None:
    if not items:
        return
    existing = {theme.key: theme for theme in db.session.scalars(select(Theme))}
    position = db.session.scalar(select(func.max(Theme.position))) or 0
    for item in items:
        theme = existing.get(item["key"])
        if theme is None:
            position += 1
            # A default theme the tenant lacks may be listed without its names.
            names = DEFAULT_THEME_NAMES.get(item["key"], {})
            db.session.add(Theme(position=position, **{**names, **item}))
            report.changes.append(_("theme added: %(key)s", key=item["key"]))
            continue
        changed = [name for name, value in item.items() if getattr(theme, name) != value]
        for name in changed:
            setattr(theme, name, item[name])
        if changed:
            report.changes.append(
                _("theme updated: %(key)s (%(fields)s)", key=theme.key, fields=", ".join(changed))
            )


def _sync_affiliations(items: list[dict], tenants: dict[str, Tenant], report: TenantChanges) -> None:
    slugs = [item["member"] for item in items]
    members = {t.slug: t for t in db.session.scalars(select(Tenant).where(Tenant.slug.in_(slugs)))}
    members.update({slug: tenants[slug] for slug in slugs if slug in tenants})
    existing = {row.member_tenant_id: row for row in db.session.scalars(select(Affiliation))}
    for item in items:
        member = members[item["member"]]
        values = {name: item[name] for name in ("status", "joined_on", "left_on", "note") if name in item}
        row = existing.get(member.id)
        if row is None:
            values.setdefault("status", AffiliationStatus.ACTIVE)
            db.session.add(Affiliation(member_tenant_id=member.id, **values))
            report.changes.append(
                _("affiliation added: %(slug)s (%(status)s)", slug=member.slug, status=values["status"].value)
            )
            continue
        changed = [
            f"{name}: {_shown(getattr(row, name))} → {_shown(value)}"
            for name, value in values.items()
            if getattr(row, name) != value
        ]
        for name, value in values.items():
            setattr(row, name, value)
        if changed:
            report.changes.append(
                _("affiliation updated: %(slug)s (%(fields)s)", slug=member.slug, fields="; ".join(changed))
            )
