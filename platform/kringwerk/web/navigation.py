"""The navigation bar: the entries the ``nav_items`` hook gives.

The core gives its own entries through that hook (``web.hooks``) as plugins do;
the hook reaches only the plugins enabled in the tenant, so a disabled plugin's
entry vanishes with it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_login import current_user

from kringwerk.accounts.permissions import current_membership, has_role, is_operator
from kringwerk.pluginhost import collect, hooks

log = logging.getLogger("kringwerk.web")


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    active: bool


def build_navigation(tenant) -> list[Link]:
    """Entries visible to the current user in ``tenant``; empty for visitors."""
    if tenant is None or not current_user.is_authenticated:
        return []
    if current_membership() is None and not is_operator():
        return []
    items = collect(hooks(tenant).nav_items(tenant=tenant, user=current_user))
    links = []
    for item in sorted(items, key=lambda i: i.order):
        if item.roles and not has_role(*item.roles):
            continue
        if item.endpoint not in current_app.view_functions:
            # A plugin pointing at a view that does not exist must not take every page down.
            log.warning("navigation item %r points to unknown endpoint %s", item.label, item.endpoint)
            continue
        url = url_for(item.endpoint, **item.values)
        links.append(Link(str(item.label), url, _is_active(item.endpoint, url)))
    return links


@dataclass(frozen=True)
class PublicPage:
    label: str
    description: str
    url: str


def build_public_links(tenant) -> list[PublicPage]:
    """Pages of ``tenant`` open without signing in (the ``public_links`` hook), for its public home."""
    pages = []
    for link in sorted(collect(hooks(tenant).public_links(tenant=tenant)), key=lambda i: i.order):
        if link.endpoint not in current_app.view_functions:
            log.warning("public link %r points to unknown endpoint %s", link.label, link.endpoint)
            continue
        pages.append(
            PublicPage(str(link.label), str(link.description), url_for(link.endpoint, **link.values))
        )
    return pages


def _is_active(endpoint: str, url: str) -> bool:
    # The dashboard is the prefix of every tenant URL; only its own page makes it current.
    if endpoint == "web.tenant_home":
        return request.path == url
    return request.path.startswith(url)
