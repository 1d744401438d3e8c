"""The sections of a tenant's admin home (/<tenant>/admin/).

Sections come from the ``admin_sections`` hook: the core's own (``web.hooks``)
and those of the plugins enabled in the tenant. A section whose endpoint does
not exist in the app (a domain not built yet, a renamed view) is left out rather
than breaking the page, so a list can name endpoints before they exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app, url_for
from flask_login import current_user

from kringwerk.accounts.permissions import has_role
from kringwerk.pluginhost import AdminSection, collect, hooks
from kringwerk.tenancy.models import Tenant


@dataclass(frozen=True)
class SectionLink:
    label: str
    description: str
    url: str


def sections_for(tenant: Tenant) -> list[AdminSection]:
    """Every section the core and the tenant's enabled plugins offer, before any filtering."""
    return collect(hooks(tenant).admin_sections(tenant=tenant, user=current_user))


def visible_sections(tenant: Tenant, sections: Iterable[AdminSection] | None = None) -> list[SectionLink]:
    """The sections the current user may see in ``tenant``, in order, as links."""
    endpoints = current_app.view_functions
    links = []
    for section in sorted(sections_for(tenant) if sections is None else sections, key=lambda s: s.order):
        if section.endpoint not in endpoints:
            continue
        if section.condition is not None and not section.condition(tenant):
            continue
        if not has_role(*section.roles):
            continue
        url = url_for(section.endpoint, **section.values)
        links.append(SectionLink(str(section.label), str(section.description), url))
    return links
