"""Error pages in the visitor's language, and small error fragments for htmx.

Decision for htmx requests: htmx 4 swaps 4xx/5xx responses into the element
that made the request, so a whole error page would end up nested inside a
table row or a form. When the request targets part of the page
(``HX-Request: true`` and ``HX-Request-Type`` not ``full``) the answer is a
short ``role="alert"`` fragment, retargeted with ``HX-Retarget`` to the
``#htmx-alerts`` region every page has: the content the user was working on
stays as it was and the message appears in one predictable place. Requests
that replace the whole page (``HX-Request-Type: full``: a boosted link, a
body target, ``hx-select``) and ordinary requests get the full page.

Views that answer a form with errors (422) render their own template and are
not affected.

A partial htmx request that is sent to the sign-in page (the session expired)
would likewise get the whole sign-in page swapped into a corner of the page.
Instead it answers ``HX-Redirect``, so the browser goes to the sign-in page,
which then returns to the page the user was on (``HX-Current-URL``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, make_response, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kringwerk.extensions import db
from kringwerk.web.htmx import wants_fragment
from kringwerk.web.safety import safe_next_url

PAGES = {400, 401, 403, 404, 405, 413, 423, 429, 500}
ALERT_REGION = "#htmx-alerts"

# The last resort when even the error page cannot be rendered (the database
# is gone, a template is broken): plain HTML in both languages, no queries.
FALLBACK = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Er ging iets mis · Something went wrong</title></head>
<body><main><h1>Er ging iets mis</h1><p>Probeer het later opnieuw.</p>
<h2 lang="en">Something went wrong</h2><p lang="en">Please try again later.</p></main></body></html>
"""


def install(app: Flask) -> None:
    @app.after_request
    def sign_in_page_for_htmx(response: Response) -> Response:
        if response.status_code in (301, 302, 303, 307, 308) and wants_fragment():
            login = url_for("accounts.login")
            if urlsplit(response.location or "").path == login:
                return _full_page_redirect(login)
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, csrf=True)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        response = render_error(error.code, description=_own_description(error))
        # 405 must say what is allowed; 429 may say when to come back.
        headers = dict(error.get_headers())
        for header in ("Allow", "Retry-After"):
            if header in headers:
                response.headers[header] = headers[header]
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if app.config.get("PROPAGATE_EXCEPTIONS"):
            raise error
        return render_error(500)


def render_error(code: int, **context) -> Response:
    """The error page (or htmx fragment) for ``code``, with that status."""
    fragment = wants_fragment()
    name = code if code in PAGES else "generic"
    try:
        body = render_template(f"errors/{name}.html", code=code, error_fragment=fragment, **context)
    except Exception:  # noqa: BLE001 - an error page must never fail itself
        current_app.logger.exception("the error page for %s could not be rendered", code)
        db.session.rollback()
        return make_response(FALLBACK, code)
    response = make_response(body, code)
    if fragment:
        response.headers["HX-Retarget"] = ALERT_REGION
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def _full_page_redirect(login_url: str) -> Response:
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    page = current.path + (f"?{current.query}" if current.query else "")
    same_site = not current.netloc or current.netloc == request.host
    next_url = safe_next_url(page, fallback="") if same_site else ""
    response = make_response("", 204)
    response.headers["HX-Redirect"] = url_for("accounts.login", next=next_url) if next_url else login_url
    return response


def _own_description(error: HTTPException) -> str | None:
    """A description a view passed to ``abort(code, description)``, not werkzeug's
    English default (the templates have translated texts for those)."""
    description = getattr(error, "description", None)
    if not description or description == type(error).description:
        return None
    return str(description)
