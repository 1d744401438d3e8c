"""Rendered HTML kept per process until the next write, with each visitor's CSRF token.

A page's costly part (a results table, the directory, a calendar) is the same for every
request between two writes. ``remembered_html(key, render)`` keeps what ``render()``
returns with ``tenancy.cache.remember`` under the tenant, the locale and ``key``. Forms in
a kept fragment carry a placeholder where the CSRF token goes (the token is the session's,
never kept); it is replaced by this visitor's own token on the way out. While templates
reload on change (development), nothing is kept: an edited template shows at once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import current_app, g
from flask_babel import get_locale
from markupsafe import Markup

from kringwerk.tenancy.cache import remember
from kringwerk.web.csrf_tokens import csrf_token

CSRF_PLACEHOLDER = "kringwerk-csrf-token-of-this-visitor"
_MISSING = object()


def remembered_html(key: Hashable, render: Callable[[], str], version: Hashable = None) -> Markup:
    """The HTML ``render()`` gives, kept per tenant, locale and ``key`` until the next write.

    ``key`` names whatever else the HTML depends on: the page and its arguments, the person
    where anything in it is theirs or depends on their role; ``version`` the day or minute
    where it depends on the time (see ``remember``). ``render`` only reads."""

    def build() -> str:
        field = current_app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
        # Flask-WTF and csrf_token() take the token from g first: forms get the placeholder.
        saved = g.get(field, _MISSING)
        setattr(g, field, CSRF_PLACEHOLDER)
        try:
            return str(render())
        finally:
            if saved is _MISSING:
                g.pop(field, None)
            else:
                setattr(g, field, saved)

    if current_app.debug or current_app.config.get("TEMPLATES_AUTO_RELOAD"):
        html = build()
    else:
        html = remember(("html", str(get_locale()), key), build, version)
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, csrf_token())
    return Markup(html)
