"""Business rules for tenants: creating them, the slugs they may use, and
their settings (contact details, language, time zone, brand colour, logo)."""

from __future__ import annotations

import math
import re
import secrets
import zoneinfo
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import pytz
from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.audit.services import record
from kringwerk.documents.disk import remove_after_commit, remove_after_rollback
from kringwerk.extensions import db
from kringwerk.tenancy.context import tenant_scope
from kringwerk.tenancy.models import Tenant, TenantKind

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# First path segments the platform itself uses; a tenant may not take them.
RESERVED_SLUGS = frozenset(
    {
        "account",
        "admin",
        "api",
        "auth",
        "healthz",
        "language",
        "login",
        "logout",
        "operator",
        "static",
        "assets",
        "help",
        "www",
        "kringwerk",
        "favicon.ico",
        "robots.txt",
    }
)


class TenantError(ValueError):
    """A tenant change that cannot be made; ``field`` names the form field concerned."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def validate_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug) or len(slug) < 2:
        raise TenantError(
            _l(
                "Use 2 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit."
            ),
            field="slug",
        )
    if slug in RESERVED_SLUGS:
        raise TenantError(_l("“%(slug)s” is reserved; choose another.", slug=slug), field="slug")
    return slug


def find_tenant(slug: str) -> Tenant | None:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def create_tenant(slug: str, name: str, kind: TenantKind | str, *, actor=None, **attributes) -> Tenant:
    """Create a tenant with the default themes, and record it in its audit trail.

    ``attributes`` that are settings (time zone, language, contact details, brand
    colour) pass the same checks as on the settings page.
    """
    from kringwerk.members.themes import seed_default_themes

    slug = validate_slug(slug)
    if find_tenant(slug) is not None:
        raise TenantError(_l("The address “%(slug)s” is already taken.", slug=slug), field="slug")
    name = clean_name(name or "")
    try:
        kind = TenantKind(kind)
    except ValueError:
        raise TenantError(_l("Choose a kind of tenant."), field="kind") from None
    attributes = {
        key: CLEANERS[key](value) if key in CLEANERS else value for key, value in attributes.items()
    }
    tenant = Tenant(slug=slug, name=name, kind=kind, **attributes)
    db.session.add(tenant)
    db.session.flush()
    with tenant_scope(tenant):
        seed_default_themes()
        record("tenant.created", actor=actor, target=tenant)
        db.session.flush()
    return tenant


# --- settings -----------------------------------------------------------------------------

# White text on the brand colour (the page header) must stay readable: WCAG AA.
MIN_CONTRAST_WITH_WHITE = 4.5
COLOUR_PATTERN = re.compile(r"^#?([0-9a-fA-F]{6})$")
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()./-]{4,38}$")
MAX_LOGO_BYTES = 1024 * 1024
LOGO_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "webp"})


def _optional(value: str | None, max_length: int, field: str) -> str | None:
    value = (value or "").strip()
    if len(value) > max_length:
        raise TenantError(_l("Use at most %(max)s characters.", max=max_length), field=field)
    return value or None


def clean_name(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise TenantError(_l("Enter a name."), field="name")
    if len(value) > 200:
        raise TenantError(_l("Use at most %(max)s characters.", max=200), field="name")
    return value


def clean_contact_name(value: str | None) -> str | None:
    return _optional(value, 200, "contact_name")


def clean_municipality(value: str | None) -> str | None:
    return _optional(value, 200, "municipality")


def clean_contact_email(value: str | None) -> str | None:
    value = _optional(value, 254, "contact_email")
    if value is None:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise TenantError(_l("Enter a valid e-mail address."), field="contact_email") from None


def clean_contact_phone(value: str | None) -> str | None:
    value = _optional(value, 40, "contact_phone")
    if value is not None and not PHONE_PATTERN.match(value):
        raise TenantError(
            _l("Enter a phone number with digits, spaces and + ( ) - only."), field="contact_phone"
        )
    return value


def clean_website(value: str | None) -> str | None:
    value = _optional(value, 300, "website")
    if value is None:
        return None
    if "://" not in value:
        value = f"https://{value}"
    scheme, _, rest = value.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0]
    # Only web addresses: a javascript: or data: link on the public page would be a hole.
    if scheme.lower() not in ("http", "https") or "." not in host or " " in value or "@" in host:
        raise TenantError(_l("Enter a web address such as https://www.example.nl."), field="website")
    return f"{scheme.lower()}://{rest}"


def clean_default_locale(value: str | None) -> str:
    languages = current_app.config["LANGUAGES"] if has_app_context() else ("nl", "en")
    value = (value or "").strip().lower()
    if value not in languages:
        raise TenantError(_l("Choose one of the offered languages."), field="default_locale")
    return value


@cache
def time_zones() -> frozenset[str]:
    """Zones both the standard library and the date formatting (pytz) know, minus
    the system's aliases ("localtime", "Factory") that name no real place."""
    return frozenset(
        zone
        for zone in zoneinfo.available_timezones() & pytz.all_timezones_set
        if zone not in ("localtime", "Factory")
    )


def clean_timezone(value: str | None) -> str:
    value = (value or "").strip()
    if value not in time_zones():
        raise TenantError(
            _l("“%(zone)s” is not a known time zone; use a name such as Europe/Amsterdam.", zone=value),
            field="timezone",
        )
    return value


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of white text on ``colour`` (``#rrggbb``)."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return 1.05 / (luminance + 0.05)


def clean_brand_colour(value: str | None) -> str:
    match = COLOUR_PATTERN.match((value or "").strip())
    if not match:
        raise TenantError(
            _l("Enter a colour as # followed by six hexadecimal digits, such as #1f5f8b."),
            field="brand_colour",
        )
    colour = f"#{match.group(1).lower()}"
    ratio = contrast_with_white(colour)
    if ratio < MIN_CONTRAST_WITH_WHITE:
        raise TenantError(
            _l(
                "White text on %(colour)s has a contrast ratio of only %(ratio)s:1; the header needs "
                "at least 4.5:1. Choose a darker colour.",
                colour=colour,
                ratio=f"{math.floor(ratio * 100) / 100:.2f}",
            ),
            field="brand_colour",
        )
    return colour


CLEANERS = {
    "name": clean_name,
    "municipality": clean_municipality,
    "contact_name": clean_contact_name,
    "contact_email": clean_contact_email,
    "contact_phone": clean_contact_phone,
    "website": clean_website,
    "default_locale": clean_default_locale,
    "timezone": clean_timezone,
    "brand_colour": clean_brand_colour,
}
SETTINGS_FIELDS = tuple(CLEANERS)


def update_tenant(tenant: Tenant, changes: Mapping[str, Any], *, actor) -> list[str]:
    """Apply the settings in ``changes`` (field -> value) after checking each.

    Raises ``TenantError`` (with ``field``) on the first value that is refused;
    nothing is changed then. Records ``tenant.updated`` with the names of the
    fields that really changed, and returns them.
    """
    unknown = set(changes) - set(CLEANERS)
    if unknown:
        raise TenantError(
            _l("These settings cannot be changed here: %(fields)s.", fields=", ".join(sorted(unknown)))
        )
    cleaned = {field: CLEANERS[field](value) for field, value in changes.items()}
    changed = sorted(field for field, value in cleaned.items() if getattr(tenant, field) != value)
    for field in changed:
        setattr(tenant, field, cleaned[field])
    if changed:
        with tenant_scope(tenant):
            record("tenant.updated", actor=actor, target=tenant, details={"fields": changed})
            db.session.flush()
    return changed


def detect_image_type(head: bytes) -> str | None:
    """``png``, ``jpg`` or ``webp`` from the file's first bytes (its magic number), else None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def logo_folder(tenant: Tenant) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "tenants" / str(tenant.id)


def read_logo(stream: BinaryIO, filename: str | None) -> tuple[bytes, str]:
    """Read and check an uploaded logo: PNG, JPEG or WebP by content (not only by
    name), at most 1 MB. Returns the bytes and the file extension to store them under."""
    extension = Path(filename or "").suffix.lower().lstrip(".")
    if filename and extension not in LOGO_EXTENSIONS:
        raise TenantError(_l("Upload a PNG, JPEG or WebP image."), field="logo")
    data = stream.read(MAX_LOGO_BYTES + 1)
    if not data:
        raise TenantError(_l("The file is empty; choose an image."), field="logo")
    if len(data) > MAX_LOGO_BYTES:
        raise TenantError(_l("The logo may be at most 1 MB."), field="logo")
    kind = detect_image_type(data[:16])
    if kind is None:
        raise TenantError(
            _l("This file is not a PNG, JPEG or WebP image. Upload a PNG, JPEG or WebP image."), field="logo"
        )
    return data, kind


def set_logo(tenant: Tenant, stream: BinaryIO, filename: str | None, *, actor) -> str:
    """Store an uploaded logo (see ``read_logo``) and return its file name.

    The old file is removed once the change commits (and the new one if it rolls
    back), so the tenant never points at a missing file.
    """
    data, kind = read_logo(stream, filename)
    folder = logo_folder(tenant)
    folder.mkdir(parents=True, exist_ok=True)
    new_name = f"logo-{secrets.token_hex(8)}.{kind}"
    (folder / new_name).write_bytes(data)
    old_name = tenant.logo_filename
    tenant.logo_filename = new_name
    # The old logo goes once the change commits; the new one if it never does.
    if old_name:
        remove_after_commit(folder / old_name)
    remove_after_rollback(folder / new_name)
    with tenant_scope(tenant):
        record("tenant.updated", actor=actor, target=tenant, details={"fields": ["logo"]})
        db.session.flush()
    return new_name


def remove_logo(tenant: Tenant, *, actor) -> bool:
    """Remove the tenant's logo; False when it had none."""
    if not tenant.logo_filename:
        return False
    remove_after_commit(logo_folder(tenant) / tenant.logo_filename)
    tenant.logo_filename = None
    with tenant_scope(tenant):
        record("tenant.updated", actor=actor, target=tenant, details={"fields": ["logo"]})
        db.session.flush()
    return True
