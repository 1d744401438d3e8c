"""Members: companies (KvK), contact persons, business parks, circles, themes and the
standing entrepreneurs' panel."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # grouping_views adds its routes to views.bp.
    from kringwerk.members import grouping_views, panel_views, views  # noqa: F401

    app.register_blueprint(views.bp)
    app.register_blueprint(panel_views.bp)
    # The tenant's themes are kept per process (themes.tenant_themes): a change renews the stamp.
    from kringwerk.members.models import Theme
    from kringwerk.tenancy import cache

    cache.install(app, Theme)
