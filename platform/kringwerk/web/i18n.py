"""Language and time zone of each request.

Language: the user's own choice (account setting, or the switch for visitors),
then the tenant's default, then the browser's preference, then Dutch.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user

from kringwerk.tenancy.routing import current_tenant

SESSION_KEY = "locale"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.preferred_locale in languages:
        return current_user.preferred_locale
    chosen = session.get(SESSION_KEY)
    if chosen in languages:
        return chosen
    tenant = current_tenant()
    if tenant is not None and tenant.default_locale in languages:
        return tenant.default_locale
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    tenant = current_tenant() if has_request_context() else None
    return tenant.timezone if tenant is not None else current_app.config["BABEL_DEFAULT_TIMEZONE"]
