"""The navigation bar: core entries plus those of the tenant's enabled plugins."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kringwerk.accounts.permissions import MANAGERS, current_membership, has_role, is_operator
from kringwerk.plugin_api import NavItem, collect, hooks


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    active: bool


CORE_ITEMS = (
    NavItem(_l("Dashboard"), "web.tenant_home", order=0),
    NavItem(_l("Members"), "members.directory", order=10),
    NavItem(_l("Administration"), "web.admin_home", order=900, roles=tuple(MANAGERS)),
)


def build_navigation(tenant) -> list[Link]:
    """Entries visible to the current user in ``tenant``; empty for visitors."""
    if tenant is None or not current_user.is_authenticated:
        return []
    if current_membership() is None and not is_operator():
        return []
    items = list(CORE_ITEMS) + collect(hooks(tenant).nav_items(tenant=tenant, user=current_user))
    links = []
    for item in sorted(items, key=lambda i: i.order):
        if item.roles and not has_role(*item.roles):
            continue
        url = url_for(item.endpoint, **item.values)
        active = request.path == url if item.endpoint == "web.tenant_home" else request.path.startswith(url)
        links.append(Link(str(item.label), url, active))
    return links
