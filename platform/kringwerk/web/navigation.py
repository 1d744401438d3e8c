"""The navigation bar: the entries the ``nav_items`` hook gives, and the site header around it.

The core gives its own entries through that hook (``web.hooks``) as plugins do;
the hook reaches only the plugins enabled in the tenant, so a disabled plugin's
entry vanishes with it.

Both are the same for one person in one tenant until something is written: the entries
(who may see which, their URLs and labels) are kept per person, tenant and language
(``tenancy.cache.remember``), and only which one is current is worked out per request.
The header's HTML (brand, language switch, user menu, navigation) is kept the same way
(``web.fragments.remembered_html``) per person, tenant and current entry; the one thing in
it that belongs to the request, the URL the language switch and sign-in return to, is put
in on the way out, as the CSRF token is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar
from urllib.parse import urlencode

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from kringwerk.accounts.permissions import current_membership, has_role, is_operator
from kringwerk.pluginhost import collect, hooks
from kringwerk.tenancy.cache import remember
from kringwerk.tenancy.routing import current_tenant
from kringwerk.web.csrf_tokens import csrf_token
from kringwerk.web.fixed_urls import fixed_url
from kringwerk.web.fragments import remembered_html

log = logging.getLogger("kringwerk.web")

# Where the request's own values go in the kept header; replaced (escaped) on the way out.
HERE_PLACEHOLDER = "kringwerk-return-url-of-this-request"
SIGN_IN_PLACEHOLDER = "kringwerk-sign-in-url-of-this-request"
TOKEN_PLACEHOLDER = "kringwerk-header-csrf-token-of-this-visitor"
PLACEHOLDERS = (HERE_PLACEHOLDER, SIGN_IN_PLACEHOLDER, TOKEN_PLACEHOLDER)  # request_values' order
_PLATFORM_HEADERS = "kringwerk.web.platform_headers"  # in app.extensions
T = TypeVar("T")
_QUERY_SAFE = "!$'()*,/:;?@"  # werkzeug.urls._urlencode's, for the same sign-in URL as url_for


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    active: bool


def build_navigation(tenant) -> list[Link]:
    """Entries visible to the current user in ``tenant``; empty for visitors."""
    entries = navigation_entries(tenant)
    if not entries:
        return []
    path = request.path  # once: each proxy lookup costs about a microsecond
    return [Link(label, url, _is_active(endpoint, url, path)) for label, url, endpoint in entries]


def navigation_entries(tenant) -> tuple[tuple[str, str, str], ...]:
    """``(label, url, endpoint)`` of each entry the current user sees in ``tenant``, kept
    until the next write per person, tenant, language and mount prefix."""
    if tenant is None:
        return ()
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return ()
    key = ("navigation", tenant.id, user.id, str(get_locale()), request.script_root)
    return remember(key, lambda: _entries(tenant))


def _entries(tenant) -> tuple[tuple[str, str, str], ...]:
    if current_membership() is None and not is_operator():
        return ()
    items = collect(hooks(tenant).nav_items(tenant=tenant, user=current_user))
    entries = []
    for item in sorted(items, key=lambda i: i.order):
        if item.roles and not has_role(*item.roles):
            continue
        if item.endpoint not in current_app.view_functions:
            # A plugin pointing at a view that does not exist must not take every page down.
            log.warning("navigation item %r points to unknown endpoint %s", item.label, item.endpoint)
            continue
        entries.append((str(item.label), url_for(item.endpoint, **item.values), item.endpoint))
    return tuple(entries)


def site_header(render: Callable[[list[Link], str, str, str], str]) -> Markup:
    """The header ``render(links, here, sign_in_url, csrf_token)`` gives (base.html's macro),
    kept per person, tenant (of the URL and of the scope), language, current entry and
    whether this is the sign-in page. ``here`` (where the language switch and sign-in return
    to: this URL, or after a POST its path, where the form usually lives), the sign-in URL
    built from it and the CSRF token are this request's, put in on the way out."""
    key = header_key()

    def build() -> str:
        return unfilled_header(render)

    if current_app.debug or current_app.config.get("TEMPLATES_AUTO_RELOAD"):
        html = build()  # an edited template shows at once
    elif key[1] is None and key[2] is None:
        # A visitor outside any tenant: nothing in it comes from the database, so it is kept
        # for the process without reading the data stamp (such pages read nothing at all).
        html = kept_for_process(_PLATFORM_HEADERS, (str(get_locale()), *key), build)
    else:
        html = str(remembered_html(key, build))
    return Markup(fill(html))


def header_key() -> tuple:
    """What the header depends on besides the language, the data and the tenant in scope:
    ``("site header", URL tenant id, person id, which entries are current, sign-in page,
    mount prefix)``. Only the current entries are worked out per request (no ``Link``s)."""
    tenant = current_tenant()
    entries = navigation_entries(tenant)
    user = current_user._get_current_object()
    this = request._get_current_object()
    if entries:
        path = this.path
        current = tuple(_is_active(endpoint, url, path) for _, url, endpoint in entries)
    else:
        current = ()
    return (
        "site header",
        None if tenant is None else tenant.id,
        user.id if user.is_authenticated else None,
        current,
        this.endpoint == "accounts.login",
        this.script_root,
    )


def unfilled_header(render: Callable[[list[Link], str, str, str], str]) -> str:
    """The header with placeholders where this request's URLs and CSRF token go (``fill``)."""
    links = build_navigation(current_tenant())
    return str(render(links, HERE_PLACEHOLDER, SIGN_IN_PLACEHOLDER, TOKEN_PLACEHOLDER))


def fill(html: str) -> str:
    """``html`` with this request's return URL, sign-in URL and CSRF token in place of the
    placeholders ``unfilled_header`` put in."""
    this = request._get_current_object()
    return _fill(html, this.full_path.rstrip("?") if this.method == "GET" else this.path)


def request_values() -> tuple[str, str, str]:
    """What goes in place of each of ``PLACEHOLDERS``: this request's return URL and the
    sign-in URL returning to it (both escaped), and the visitor's CSRF token."""
    this = request._get_current_object()
    here = this.full_path.rstrip("?") if this.method == "GET" else this.path
    return (*_return_urls(fixed_url("accounts.login"), here), csrf_token())


def kept_for_process(store: str, key: tuple, build: Callable[[], T]) -> T:
    """What ``build()`` gives, kept in ``app.extensions[store]`` for the process without the
    data stamp: only for what nothing in the database changes (the platform's own shell for
    a signed-out visitor outside any tenant)."""
    kept = current_app.extensions.setdefault(store, {})
    value = kept.get(key)
    if value is None:
        if len(kept) >= 64:  # a few languages and mount prefixes: never reached in practice
            kept.clear()
        value = kept[key] = build()
    return value


def sign_in_url(here: str) -> str:
    """``url_for("accounts.login", next=here)``, from the kept URL of the sign-in page and
    the query werkzeug would write (its own ``safe`` characters)."""
    return f"{fixed_url('accounts.login')}?{urlencode([('next', here)], safe=_QUERY_SAFE)}"


def _fill(html: str, here: str) -> str:
    if HERE_PLACEHOLDER in html or SIGN_IN_PLACEHOLDER in html:
        escaped_here, escaped_sign_in = _return_urls(fixed_url("accounts.login"), here)
        html = html.replace(HERE_PLACEHOLDER, escaped_here)
        if SIGN_IN_PLACEHOLDER in html:
            html = html.replace(SIGN_IN_PLACEHOLDER, escaped_sign_in)
    if TOKEN_PLACEHOLDER in html:
        html = html.replace(TOKEN_PLACEHOLDER, csrf_token())
    return html


# Bounded (any visitor may ask for any URL); most requests are for a few pages' URLs.
@lru_cache(maxsize=256)
def _return_urls(login_url: str, here: str) -> tuple[str, str]:
    """``here`` and the sign-in URL returning to it, escaped for HTML (the query is what
    ``sign_in_url`` writes: quoting it costs more than the rest of the header's filling)."""
    query = urlencode([("next", here)], safe=_QUERY_SAFE)
    return str(escape(here)), str(escape(f"{login_url}?{query}"))


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


def _is_active(endpoint: str, url: str, path: str) -> bool:
    # The dashboard is the prefix of every tenant URL; only its own page makes it current.
    if endpoint == "web.tenant_home":
        return path == url
    return path.startswith(url)
