"""What every template can use: the tenant, navigation, roles, languages,
``is_htmx`` (any htmx request) and ``htmx_partial`` (an htmx request that
swaps part of the page: render the block, not the page), and filters for
dates in the tenant's time zone."""

from __future__ import annotations

from flask import Flask, has_request_context
from flask_babel import format_date, format_datetime, get_locale

from kringwerk.accounts.permissions import MANAGERS, current_membership, has_role, is_operator
from kringwerk.tenancy.routing import current_tenant
from kringwerk.web.htmx import is_htmx, wants_fragment
from kringwerk.web.i18n import LANGUAGE_NAMES
from kringwerk.web.navigation import build_navigation


def install(app: Flask) -> None:
    @app.context_processor
    def shell_context():
        if not has_request_context():  # e-mails rendered by background jobs
            return {
                "languages": app.config["LANGUAGES"],
                "language_names": LANGUAGE_NAMES,
                "current_language": lambda: str(get_locale() or "nl"),
            }
        tenant = current_tenant()
        return {
            "tenant": tenant,
            "navigation": lambda: build_navigation(tenant),
            "membership": current_membership,
            "has_role": has_role,
            "is_operator": is_operator,
            "MANAGERS": MANAGERS,
            "languages": app.config["LANGUAGES"],
            "language_names": LANGUAGE_NAMES,
            "current_language": lambda: str(get_locale() or "nl"),
            "is_htmx": is_htmx(),
            # An htmx request for part of the page: render the block, not the whole page.
            "htmx_partial": wants_fragment(),
        }

    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(
        lambda value, fmt="medium": format_datetime(value, fmt) if value else "", "datetime"
    )
    app.add_template_filter(lambda value, fmt="medium": format_date(value, fmt) if value else "", "date")
