"""The web shell: the template loader and context (templating), language
(i18n), security headers (security), error pages and htmx error fragments
(errors), the refusal of changes to a suspended tenant (suspension), the tenant's colours (theme), navigation, the admin home's sections
(admin), the core's own hook implementations (hooks), pagination, and the shell's pages: landing, tenant home, admin home,
language switch and health check (views), and static files' versioned URLs (static)."""

from __future__ import annotations

from flask import Flask
from jinja2 import FileSystemLoader

from kringwerk.extensions import babel


def init_app(app: Flask) -> None:
    from kringwerk.pluginhost import get_registry
    from kringwerk.web import errors, hooks, i18n, safety, security, static, suspension, templating, views

    # The shared look in templates/ comes first; blueprints (plugins) add their own folders.
    app.jinja_loader = FileSystemLoader(app.config["TEMPLATES_DIR"])
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    get_registry(app).add_core(hooks)
    security.install(app)
    safety.install(app)
    errors.install(app)
    suspension.install(app)
    templating.install(app)
    app.register_blueprint(views.bp)
    static.install(app)  # last: the plugins' static folders are registered by now
