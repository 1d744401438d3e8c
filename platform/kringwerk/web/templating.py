"""What every template can use: the tenant, navigation, roles, languages,
``is_htmx`` (any htmx request) and ``htmx_partial`` (an htmx request that
swaps part of the page: render the block, not the page), and filters that
format in the page's language with Babel: ``datetime`` and ``date`` (in the
tenant's time zone, times without seconds), ``decimal`` and ``percent`` (of a
fraction: ``0.851|percent`` is "85,1%" on a Dutch page). Plugins render through
the same Jinja environment, so their templates have these filters too."""

from __future__ import annotations

from functools import cache

from babel import Locale
from babel.numbers import LC_NUMERIC, NumberPattern, parse_pattern
from flask import Flask, g, has_request_context
from flask_babel import format_date, format_datetime, get_locale, get_translations

from kringwerk.accounts.permissions import MANAGERS, current_membership, has_role, is_operator
from kringwerk.tenancy.routing import current_tenant
from kringwerk.web import csrf_tokens, shell
from kringwerk.web.csrf_tokens import csrf_token
from kringwerk.web.fixed_urls import fixed_url
from kringwerk.web.htmx import is_htmx, wants_fragment
from kringwerk.web.i18n import LANGUAGE_NAMES
from kringwerk.web.navigation import build_navigation, site_header
from kringwerk.web.row_urls import row_url


def install(app: Flask) -> None:
    shell.install(app)  # base.html's frame kept until the next write

    @app.context_processor
    def shell_context():
        if not has_request_context():  # e-mails rendered by background jobs
            return {
                "languages": app.config["LANGUAGES"],
                "language_names": LANGUAGE_NAMES,
                "current_language": lambda: str(get_locale() or "nl"),
            }
        tenant = current_tenant()
        htmx = is_htmx()  # once: a header looked up and missing costs an exception inside werkzeug
        return {
            # Flask-WTF's context processor gives its own generate_csrf; this one wins.
            "csrf_token": csrf_token,
            "tenant": tenant,
            "navigation": lambda: build_navigation(tenant),
            "membership": current_membership,
            "has_role": has_role,
            "is_operator": is_operator,
            "MANAGERS": MANAGERS,
            "languages": app.config["LANGUAGES"],
            "language_names": LANGUAGE_NAMES,
            "current_language": lambda: str(get_locale() or "nl"),
            "is_htmx": htmx,
            # An htmx request for part of the page: render the block, not the whole page.
            "htmx_partial": htmx and wants_fragment(),
        }

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["row_url"] = row_url  # one url_for per table, not per row
    app.jinja_env.globals["fixed_url"] = fixed_url  # the shell's own links, built once
    app.jinja_env.globals["csrf_token"] = csrf_token  # signed once per session, not per page
    app.jinja_env.globals["site_header"] = site_header  # kept until the next write
    csrf_tokens.install(app)
    # Flask-Babel's callables look the request's locale, domain and catalogs up again on
    # every ``_()``; these find them once per request (a page has dozens).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
    app.add_template_filter(datetime_text, "datetime")
    app.add_template_filter(lambda value, fmt="medium": format_date(value, fmt) if value else "", "date")
    app.add_template_filter(decimal_text, "decimal")
    app.add_template_filter(percent_text, "percent")


def request_translations():
    """What ``flask_babel.get_translations()`` returns, kept for the request: the catalogs
    depend only on the locale and domain Flask-Babel keeps in its per-request namespace,
    so while both are the same objects (``force_locale`` and ``refresh`` replace or drop
    them) the catalogs found for them are too."""
    try:
        babel = g.get("_flask_babel")
    except RuntimeError:  # no app context: Flask-Babel's own answer (no translations)
        return get_translations()
    if babel is not None:
        kept = babel.__dict__.get("kringwerk_translations")
        if (
            kept is not None
            and kept[0] is babel.__dict__.get("babel_locale")
            and kept[1] is babel.__dict__.get("babel_domain")
        ):
            return kept[2]
    translations = get_translations()
    babel = g.get("_flask_babel")
    if babel is not None and babel.__dict__.get("babel_locale") is not None:
        babel.kringwerk_translations = (babel.babel_locale, babel.babel_domain, translations)
    return translations


MISSING = "–"  # what a number filter shows for None: a dash, not "None"


def datetime_text(value, fmt: str = "medium") -> str:
    """A date and time in the page's language and the tenant's time zone. The named
    formats ("short", "medium", "long") leave out the seconds: Babel's medium time
    has them, and nobody reading a poll's closing time needs them."""
    if not value:
        return ""
    return format_datetime(value, datetime_pattern(fmt))


def datetime_pattern(fmt: str) -> str:
    """The page language's pattern for a named format ("short", "medium", "long") with
    the time to the minute; any other ``fmt`` is taken as a pattern already."""
    if fmt not in ("short", "medium", "long"):
        return fmt
    locale = get_locale() or Locale.parse("nl")
    time = locale.time_formats["short"].pattern
    return locale.datetime_formats[fmt].format(time, locale.date_formats[fmt].pattern)


@cache
def _number_pattern(digits: int, percent: bool) -> NumberPattern:
    # Babel's format_decimal/format_percent parse their pattern again on every call, and
    # results pages and tables call these filters hundreds of times a request: each pattern
    # is parsed once per process (there are a handful).
    return parse_pattern(("#,##0." + "#" * digits if digits else "#,##0") + ("%" if percent else ""))


def _number_text(value, digits: int, percent: bool) -> str:
    """What Flask-Babel's ``format_decimal``/``format_percent`` write, without the parsing."""
    return _number_pattern(digits, percent).apply(value, Locale.parse(get_locale() or LC_NUMERIC))


def decimal_text(value, digits: int = 2) -> str:
    """A number in the page's language, up to ``digits`` decimals: 3.23 is "3,23" in Dutch."""
    if value is None:
        return MISSING
    return _number_text(value, digits, percent=False)


def percent_text(value, digits: int = 1) -> str:
    """A fraction as a percentage in the page's language: 0.851 is "85,1%" in Dutch."""
    if value is None:
        return MISSING
    return _number_text(value, digits, percent=True)
