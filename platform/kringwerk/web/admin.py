"""The sections of a tenant's admin home (/<tenant>/admin/).

Each section is one entry in ``ADMIN_SECTIONS``: the endpoint it links to, a
label and a description, the roles that may see it and an optional condition
on the tenant (its kind, say). A section whose endpoint does not exist in the
app (a domain not built yet, a renamed view) is left out rather than breaking
the page, so the list can name endpoints before they exist.

To add a section, append an ``AdminSection`` here. Keep ``roles`` in step
with the permission the linked view itself requires: the list only hides
links, the view is what refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from kringwerk.accounts.models import Role
from kringwerk.accounts.permissions import MANAGERS, has_role
from kringwerk.tenancy.models import Tenant, TenantKind


def is_region(tenant: Tenant) -> bool:
    return tenant.kind == TenantKind.REGION


def is_not_region(tenant: Tenant) -> bool:
    return tenant.kind != TenantKind.REGION


@dataclass(frozen=True)
class AdminSection:
    endpoint: str
    label: Any  # str or lazy translation
    description: Any = ""
    roles: tuple[Role, ...] = MANAGERS
    condition: Callable[[Tenant], bool] | None = None
    values: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class SectionLink:
    label: str
    description: str
    url: str


ADMIN_SECTIONS: tuple[AdminSection, ...] = (
    AdminSection(
        "accounts.people",
        _l("People and invitations"),
        _l("Who has access, with which role; invite new people."),
        roles=(Role.ADMIN,),
        order=10,
    ),
    AdminSection(
        "members.directory",
        _l("Companies"),
        _l("The member companies and their contact persons: add, change or remove them."),
        order=20,
    ),
    AdminSection(
        "members.import_companies",
        _l("Import companies"),
        _l("Add or update companies from a CSV file."),
        order=25,
    ),
    AdminSection(
        "members.parks",
        _l("Business parks"),
        _l("The business parks your members are located on."),
        order=30,
    ),
    AdminSection(
        "members.circles",
        _l("Circles"),
        _l("The circles (kringen) within the association."),
        order=40,
    ),
    AdminSection(
        "members.themes",
        _l("Themes"),
        _l("The themes polls, events and masterplans are organised by."),
        order=50,
    ),
    AdminSection(
        "tenants.affiliations",
        _l("Member associations"),
        _l("The associations and municipalities in this regional network."),
        roles=(Role.ADMIN,),
        condition=is_region,
        order=60,
    ),
    AdminSection(
        "tenants.networks",
        _l("Regional networks"),
        _l("The regional networks this organisation belongs to."),
        roles=(Role.ADMIN,),
        condition=is_not_region,
        order=60,
    ),
    AdminSection(
        "tenants.settings",
        _l("Settings"),
        _l("Name, contact details, language, colour and logo."),
        roles=(Role.ADMIN,),
        order=80,
    ),
    AdminSection(
        "audit.tenant_log",
        _l("Audit log"),
        _l("Who changed what, and when."),
        roles=(Role.ADMIN,),
        order=90,
    ),
)


def visible_sections(tenant: Tenant, sections: Iterable[AdminSection] | None = None) -> list[SectionLink]:
    """The sections the current user may see in ``tenant``, in order, as links."""
    endpoints = current_app.view_functions
    links = []
    for section in sorted(ADMIN_SECTIONS if sections is None else sections, key=lambda s: s.order):
        if section.endpoint not in endpoints:
            continue
        if section.condition is not None and not section.condition(tenant):
            continue
        if not has_role(*section.roles):
            continue
        url = url_for(section.endpoint, **section.values)
        links.append(SectionLink(str(section.label), str(section.description), url))
    return links
