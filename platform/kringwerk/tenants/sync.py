"""Tenants as code: ``tenants/<slug>/tenant.toml`` files brought into the database.

``sync_tenants(path)`` first reads and validates every file; any problem is
reported with the file and the field, and then nothing changes. Only when all
files are valid does it apply them, in one transaction: tenants are created or
updated, plugins enabled or disabled, circles, parks and themes added or
updated (by name or key), and network affiliations added or updated once all
tenants exist. What a file does not list is never deleted, so data added in the
application survives a sync. A second run with the same files changes nothing.

The schema is documented in ``tenants/README.md``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
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

FILE_NAME = "tenant.toml"

TOP_LEVEL_KEYS = ("tenant", "plugins", "circles", "parks", "themes", "affiliations")
# TOML key in [tenant] -> (Tenant attribute, maximum length).
TENANT_FIELDS: dict[str, tuple[str, int]] = {
    "name": ("name", 200),
    "kind": ("kind", 32),
    "locale": ("default_locale", 8),
    "timezone": ("timezone", 64),
    "contact_name": ("contact_name", 200),
    "contact_email": ("contact_email", 254),
    "contact_phone": ("contact_phone", 40),
    "website": ("website", 300),
    "brand_colour": ("brand_colour", 7),
}
CIRCLE_KEYS = ("name", "description")
PARK_KEYS = ("name", "municipality", "description")
THEME_KEYS = ("key", "nl", "en", "description_nl", "description_en")
# TOML key in [[themes]] -> Theme attribute.
THEME_FIELDS = {
    "nl": "name_nl",
    "en": "name_en",
    "description_nl": "description_nl",
    "description_en": "description_en",
}
AFFILIATION_KEYS = ("member", "status", "joined_on", "left_on", "note")

COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
THEME_KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
DEFAULT_THEME_NAMES = {key: {"name_nl": nl, "name_en": en} for key, nl, en in DEFAULT_THEMES}
DEFAULT_THEME_KEYS = frozenset(DEFAULT_THEME_NAMES)


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


class _Problems:
    """Collects the problems of one file, each prefixed with the file and the field."""

    def __init__(self, label: str, errors: list[str]) -> None:
        self.label = label
        self.errors = errors

    def add(self, where: str, message: str) -> None:
        self.errors.append(f"{self.label}: {where}: {message}" if where else f"{self.label}: {message}")

    def unknown_keys(self, table: dict, allowed: Iterable[str], where: str) -> None:
        allowed = tuple(allowed)
        for key in table:
            if key not in allowed:
                self.add(
                    f"{where}.{key}" if where else key,
                    _("unknown key (expected one of: %(keys)s)", keys=", ".join(allowed)),
                )

    def table(self, value: Any, where: str) -> dict | None:
        if not isinstance(value, dict):
            self.add(where, _("must be a table"))
            return None
        return value

    def tables(self, document: dict, key: str) -> list[tuple[str, dict]]:
        """``[[key]]`` entries with their field paths (``circles[0]``)."""
        if key not in document:
            return []
        value = document[key]
        if not isinstance(value, list):
            self.add(key, _("must be a list of tables, written [[%(key)s]]", key=key))
            return []
        entries = []
        for index, item in enumerate(value):
            where = f"{key}[{index}]"
            if self.table(item, where) is not None:
                entries.append((where, item))
        return entries

    def text(
        self, table: dict, key: str, where: str, *, required: bool = False, max_length: int = 200
    ) -> str | None:
        path = f"{where}.{key}"
        if key not in table:
            if required:
                self.add(path, _("is required"))
            return None
        value = table[key]
        if not isinstance(value, str):
            self.add(path, _("must be a string"))
            return None
        value = value.strip()
        if required and not value:
            self.add(path, _("must not be empty"))
            return None
        if len(value) > max_length:
            self.add(path, _("must be at most %(max)s characters", max=max_length))
            return None
        return value

    def day(self, table: dict, key: str, where: str) -> date | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        elif isinstance(value, date) and not isinstance(value, datetime):
            return value
        self.add(f"{where}.{key}", _("must be a date such as 2018-07-03"))
        return None

    def no_duplicates(self, entries: list[tuple[str, dict]], key: str) -> None:
        seen: set = set()
        for where, entry in entries:
            value = entry.get(key)
            if isinstance(value, str) and value.strip() in seen:
                self.add(f"{where}.{key}", _("“%(value)s” is listed twice", value=value.strip()))
            elif isinstance(value, str):
                seen.add(value.strip())


def _read(path: Path, problems: _Problems) -> dict | None:
    if not path.is_file():
        problems.add("", _("file not found (every tenant folder needs a %(name)s)", name=FILE_NAME))
        return None
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        problems.add("", _("TOML syntax error: %(error)s", error=str(error)))
    except UnicodeDecodeError:
        problems.add("", _("the file is not valid UTF-8"))
    return None


def _validate_tenant(document: dict, problems: _Problems) -> dict[str, Any]:
    if "tenant" not in document:
        problems.add("tenant", _("missing table [tenant]"))
        return {}
    table = problems.table(document["tenant"], "tenant")
    if table is None:
        return {}
    if "plugins" in table:
        problems.add(
            "tenant.plugins",
            _("write plugins = [...] above [tenant]: in TOML a key belongs to the table above it"),
        )
    problems.unknown_keys({k: v for k, v in table.items() if k != "plugins"}, TENANT_FIELDS, "tenant")
    values: dict[str, Any] = {}
    for key, (attribute, max_length) in TENANT_FIELDS.items():
        value = problems.text(table, key, "tenant", required=key in ("name", "kind"), max_length=max_length)
        if value is None:
            continue
        where = f"tenant.{key}"
        if key == "kind":
            if value not in {kind.value for kind in TenantKind}:
                problems.add(
                    where,
                    _("must be one of %(values)s", values=", ".join(kind.value for kind in TenantKind)),
                )
                continue
            value = TenantKind(value)
        elif key == "locale" and value not in current_app.config["LANGUAGES"]:
            problems.add(
                where, _("must be one of %(values)s", values=", ".join(current_app.config["LANGUAGES"]))
            )
            continue
        elif key == "timezone":
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as 'Europe'
                problems.add(where, _("unknown time zone “%(zone)s” (e.g. Europe/Amsterdam)", zone=value))
                continue
        elif key == "contact_email" and value:
            try:
                validate_email(value, check_deliverability=False)
            except EmailNotValidError as error:
                problems.add(where, _("not a valid e-mail address: %(error)s", error=str(error)))
                continue
        elif key == "brand_colour" and not COLOUR_PATTERN.match(value):
            problems.add(where, _("must be a colour written #rrggbb, such as #1f5f8b"))
            continue
        # An empty optional field clears it.
        values[attribute] = value if value else None
    return values


def _settings_problem(plugin, name: str, value: Any) -> str | None:
    defaults = plugin.default_settings
    if name not in defaults:
        if not defaults:
            return _("the plugin has no settings")
        return _("unknown setting (known: %(keys)s)", keys=", ".join(sorted(defaults)))
    default = defaults[name]
    if default is None:
        return None
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int | float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    else:
        ok = isinstance(value, type(default))
    return None if ok else _("must be of type %(type)s", type=type(default).__name__)


def _validate_plugins(document: dict, problems: _Problems) -> dict[str, dict[str, Any]] | None:
    if "plugins" not in document:
        return None
    value = document["plugins"]
    registry = get_registry()
    known = ", ".join(registry.plugin_keys())
    wanted: dict[str, dict[str, Any]] = {}
    if isinstance(value, list):
        for index, key in enumerate(value):
            where = f"plugins[{index}]"
            if not isinstance(key, str):
                problems.add(where, _("must be a plugin key (a string)"))
            elif key not in registry:
                problems.add(where, _("unknown plugin '%(key)s' (known: %(known)s)", key=key, known=known))
            elif key in wanted:
                problems.add(where, _("'%(key)s' is listed twice", key=key))
            else:
                wanted[key] = {}
    elif isinstance(value, dict):
        for key, settings in value.items():
            where = f"plugins.{key}"
            if key not in registry:
                problems.add(where, _("unknown plugin '%(key)s' (known: %(known)s)", key=key, known=known))
                continue
            if problems.table(settings, where) is None:
                continue
            plugin = registry.get(key)
            for name, setting in settings.items():
                problem = _settings_problem(plugin, name, setting)
                if problem:
                    problems.add(f"{where}.{name}", problem)
            wanted[key] = dict(settings)
    else:
        problems.add("plugins", _("must be a list of plugin keys, or [plugins.<key>] tables"))
        return None
    for key in wanted:
        missing = [required for required in registry.get(key).requires if required not in wanted]
        if missing:
            problems.add(
                "plugins",
                _(
                    "'%(key)s' needs %(missing)s; list it as well",
                    key=key,
                    missing=", ".join(f"'{m}'" for m in missing),
                ),
            )
    return wanted


def _validate_named(
    document: dict, key: str, allowed: tuple[str, ...], problems: _Problems, lengths: dict[str, int]
) -> list[dict[str, Any]]:
    """Circles and parks: tables with a required ``name`` and optional texts."""
    entries = problems.tables(document, key)
    problems.no_duplicates(entries, "name")
    result = []
    for where, entry in entries:
        problems.unknown_keys(entry, allowed, where)
        item = {}
        for name in allowed:
            value = problems.text(
                entry, name, where, required=name == "name", max_length=lengths.get(name, 10_000)
            )
            if value is not None:
                item[name] = value or None  # an empty text clears it
        if "name" in item:
            result.append(item)
    return result


def _validate_themes(document: dict, problems: _Problems) -> list[dict[str, Any]]:
    entries = problems.tables(document, "themes")
    problems.no_duplicates(entries, "key")
    result = []
    for where, entry in entries:
        problems.unknown_keys(entry, THEME_KEYS, where)
        key = problems.text(entry, "key", where, required=True, max_length=64)
        if key is not None and not THEME_KEY_PATTERN.match(key):
            problems.add(f"{where}.key", _("use lowercase letters, digits and hyphens"))
            key = None
        item: dict[str, Any] = {"key": key}
        for name, attribute in THEME_FIELDS.items():
            # A new theme needs both names; a default one may change only its texts.
            required = name in ("nl", "en") and key is not None and key not in DEFAULT_THEME_KEYS
            value = problems.text(
                entry, name, where, required=required, max_length=120 if name in ("nl", "en") else 10_000
            )
            if value == "" and name in ("nl", "en"):
                problems.add(f"{where}.{name}", _("must not be empty"))
            elif value is not None:
                item[attribute] = value or None  # an empty description clears it
        if key is not None:
            result.append(item)
    return result


def _validate_affiliations(document: dict, kind: TenantKind | None, problems: _Problems) -> list[dict]:
    entries = problems.tables(document, "affiliations")
    if entries and kind is not None and kind != TenantKind.REGION:
        problems.add("affiliations", _("only a tenant of kind region has affiliations"))
        return []
    problems.no_duplicates(entries, "member")
    statuses = [status.value for status in AffiliationStatus]
    result = []
    for where, entry in entries:
        problems.unknown_keys(entry, AFFILIATION_KEYS, where)
        item: dict[str, Any] = {"where": where}
        item["member"] = problems.text(entry, "member", where, required=True, max_length=63)
        status = problems.text(entry, "status", where)
        if status is not None and status not in statuses:
            problems.add(f"{where}.status", _("must be one of %(values)s", values=", ".join(statuses)))
        elif status is not None:
            item["status"] = AffiliationStatus(status)
        for name in ("joined_on", "left_on"):
            if name in entry:
                item[name] = problems.day(entry, name, where)
        if "note" in entry:
            item["note"] = problems.text(entry, "note", where, max_length=10_000) or None
        if item["member"]:
            result.append(item)
    return result


def load_tenant_files(root: Path | str) -> list[TenantFile]:
    """Read and validate every tenant file under ``root``; raise ``SyncError`` with all problems."""
    root = Path(root)
    if not root.exists():
        raise SyncError([_("%(path)s: no such file or folder", path=_display(root))])
    errors: list[str] = []
    files: list[TenantFile] = []
    for path in find_tenant_files(root):
        label = _display(path)
        problems = _Problems(label, errors)
        slug = path.parent.name
        try:
            if validate_slug(slug) != slug:
                raise TenantError(_("use lowercase letters, digits and hyphens"))
        except TenantError as error:
            problems.add(
                "slug",
                _(
                    "the folder name “%(slug)s” is not a valid slug: %(error)s",
                    slug=slug,
                    error=str(error.message),
                ),
            )
        document = _read(path, problems)
        if document is None:
            continue
        problems.unknown_keys(document, TOP_LEVEL_KEYS, "")
        tenant = _validate_tenant(document, problems)
        files.append(
            TenantFile(
                slug=slug,
                label=label,
                tenant=tenant,
                plugins=_validate_plugins(document, problems),
                circles=_validate_named(document, "circles", CIRCLE_KEYS, problems, {"name": 200}),
                parks=_validate_named(
                    document, "parks", PARK_KEYS, problems, {"name": 200, "municipality": 200}
                ),
                themes=_validate_themes(document, problems),
                affiliations=_validate_affiliations(document, tenant.get("kind"), problems),
            )
        )
    _check_members(files, errors)
    if errors:
        raise SyncError(errors)
    return files


def _check_members(files: list[TenantFile], errors: list[str]) -> None:
    """Every affiliation names an association or municipality that is in the files or
    already in the database (a file's kind wins: the sync is about to apply it)."""
    wanted = {item["member"] for spec in files for item in spec.affiliations}
    if not wanted:
        return
    kinds = dict(db.session.execute(select(Tenant.slug, Tenant.kind).where(Tenant.slug.in_(wanted))).all())
    kinds.update({spec.slug: spec.tenant.get("kind") for spec in files})
    for spec in files:
        problems = _Problems(spec.label, errors)
        for item in spec.affiliations:
            where = f"{item['where']}.member"
            if item["member"] == spec.slug:
                problems.add(where, _("a network cannot be its own member"))
            elif item["member"] not in kinds:
                problems.add(
                    where,
                    _("no tenant “%(slug)s” in the tenant files or the database", slug=item["member"]),
                )
            elif kinds[item["member"]] == TenantKind.REGION:
                problems.add(
                    where,
                    _(
                        "“%(slug)s” is a regional network; members are associations or municipalities",
                        slug=item["member"],
                    ),
                )


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
    names = {attribute: key for key, (attribute, _length) in TENANT_FIELDS.items()}
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
