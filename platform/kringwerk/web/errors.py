"""Error pages in the visitor's language, and clear answers for htmx requests."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kringwerk.extensions import db

PAGES = {400, 401, 403, 404, 405, 413, 429, 500}


def install(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render(400, csrf=True)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return _render(error.code, description=getattr(error, "description", None))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if app.config.get("PROPAGATE_EXCEPTIONS"):
            raise error
        return _render(500)


def _render(code: int, **context):
    name = code if code in PAGES else "generic"
    return render_template(f"errors/{name}.html", code=code, **context), code
