"""Business rules for tenants: creating them, and the slugs they may use."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.audit.services import record
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
    """Create a tenant with the default themes, and record it in its audit trail."""
    from kringwerk.members.services import seed_default_themes

    slug = validate_slug(slug)
    if find_tenant(slug) is not None:
        raise TenantError(_l("The address “%(slug)s” is already taken.", slug=slug), field="slug")
    if not name.strip():
        raise TenantError(_l("Enter a name."), field="name")
    tenant = Tenant(slug=slug, name=name.strip(), kind=TenantKind(kind), **attributes)
    db.session.add(tenant)
    db.session.flush()
    with tenant_scope(tenant):
        seed_default_themes()
        record("tenant.created", actor=actor, target=tenant)
        db.session.flush()
    return tenant
