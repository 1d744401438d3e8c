"""Language and time zone of each request.

Language, first match wins:

1. the signed-in user's ``preferred_locale`` (set by the language switch or the account page),
2. the visitor's choice with the language switch (kept in the session),
3. the tenant's ``default_locale`` on tenant pages,
4. the browser's ``Accept-Language``,
5. Dutch (``BABEL_DEFAULT_LOCALE``).

Only languages in ``LANGUAGES`` count at every step; anything else falls through.
"""

from __future__ import annotations

from functools import lru_cache

from flask import current_app, has_request_context, request, session
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from kringwerk.extensions import db
from kringwerk.tenancy.routing import current_tenant

SESSION_KEY = "locale"

# Each language named in itself, so a visitor finds their own whatever the page's language.
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def select_locale() -> str:
    config = current_app.config
    languages = config["LANGUAGES"]
    if not has_request_context():
        return config["BABEL_DEFAULT_LOCALE"]
    user = current_user._get_current_object()  # once: each proxy lookup costs a microsecond
    if user and user.is_authenticated and user.preferred_locale in languages:
        return user.preferred_locale
    chosen = session.get(SESSION_KEY)
    if chosen in languages:
        return chosen
    tenant = current_tenant()
    if tenant is not None and tenant.default_locale in languages:
        return tenant.default_locale
    header = request.headers.get("Accept-Language", "")
    return browser_language(header, tuple(languages)) or config["BABEL_DEFAULT_LOCALE"]


def browser_language(header: str, languages: tuple[str, ...]) -> str | None:
    """``request.accept_languages.best_match(languages)`` for an ``Accept-Language`` header:
    the few headers browsers send are parsed once per process, not on every request."""
    if len(header) > _LONGEST_KEPT_HEADER:  # not what a browser sends: parsed, not kept
        return parse_accept_header(header, LanguageAccept).best_match(languages)
    return _best_language(header, languages)


_LONGEST_KEPT_HEADER = 256


@lru_cache(maxsize=512)
def _best_language(header: str, languages: tuple[str, ...]) -> str | None:
    return parse_accept_header(header, LanguageAccept).best_match(languages)


def chosen_language() -> str | None:
    """The language this visitor chose themselves (their account's preference or the
    switch), or None: pages with a language of their own, such as a poll's answer
    page, use theirs unless the visitor chose."""
    if not has_request_context():
        return None
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.preferred_locale in languages:
        return current_user.preferred_locale
    chosen = session.get(SESSION_KEY)
    return chosen if chosen in languages else None


def select_timezone() -> str:
    tenant = current_tenant() if has_request_context() else None
    return tenant.timezone if tenant is not None else current_app.config["BABEL_DEFAULT_TIMEZONE"]


def remember_language(language: str, user=None) -> bool:
    """Keep ``language`` for this visitor (session) and, when signed in, on ``user``.

    Returns False (and changes nothing) for a language the platform does not offer.
    The caller commits.
    """
    if language not in current_app.config["LANGUAGES"]:
        return False
    session[SESSION_KEY] = language
    if user is not None and user.is_authenticated:
        user.preferred_locale = language
        db.session.add(user)
    return True
