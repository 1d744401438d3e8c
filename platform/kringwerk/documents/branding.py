"""The tenant's look on paper: its name, its colour (readable on white, as on
the site) and its logo, read once per document."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from kringwerk.tenancy.models import Tenant
from kringwerk.tenancy.routing import current_tenant, scope_tenant
from kringwerk.tenants.services import logo_folder
from kringwerk.web.theme import darken_until_readable, readable_background, text_on, valid_colour

LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}


@dataclass(frozen=True)
class Branding:
    name: str
    colour: str  # the brand colour as a background (headers, table heads)
    on_colour: str  # text on that background
    text_colour: str  # the brand colour darkened until it reads on white (headings)
    logo: bytes | None = None
    logo_type: str | None = None

    @property
    def logo_data_uri(self) -> str | None:
        """The logo inline, so the PDF renderer never fetches a URL."""
        if self.logo is None:
            return None
        return f"data:{self.logo_type};base64,{base64.b64encode(self.logo).decode('ascii')}"


def logo_path(tenant: Tenant) -> Path | None:
    """Where the tenant's logo lies (the tenant settings store it), or None without one."""
    return logo_folder(tenant) / tenant.logo_filename if tenant.logo_filename else None


def branding_for(tenant: Tenant | None = None) -> Branding:
    """The branding of ``tenant``, by default the tenant being worked for (a request's
    or the scope of a job), else the tenant whose scope a view entered."""
    tenant = tenant or current_tenant() or scope_tenant()
    if tenant is None:
        raise RuntimeError("a branded document needs a tenant: render inside a tenant scope or pass tenant=")
    colour = readable_background(valid_colour(tenant.brand_colour))
    logo = logo_type = None
    path = logo_path(tenant)
    if path is not None and path.suffix.lower() in LOGO_TYPES and path.is_file():
        logo, logo_type = path.read_bytes(), LOGO_TYPES[path.suffix.lower()]
    return Branding(
        name=tenant.name,
        colour=colour,
        on_colour=text_on(colour),
        text_colour=darken_until_readable(colour, background="#ffffff"),
        logo=logo,
        logo_type=logo_type,
    )
