"""The web shell: templates, language, security headers, error pages, the
tenant dashboard and the health check."""

from __future__ import annotations

from flask import Flask
from jinja2 import FileSystemLoader

from kringwerk.extensions import babel


def init_app(app: Flask) -> None:
    from kringwerk.web import errors, i18n, security, templating, views

    # The shared look in templates/ comes first; blueprints (plugins) add their own folders.
    app.jinja_loader = FileSystemLoader(app.config["TEMPLATES_DIR"])
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    security.install(app)
    errors.install(app)
    templating.install(app)
    app.register_blueprint(views.bp)
