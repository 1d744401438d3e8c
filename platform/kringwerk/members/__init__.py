"""Members: companies (KvK), contact persons, business parks, circles, themes and the
standing entrepreneurs' panel."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from kringwerk.members import panel_views, views

    app.register_blueprint(views.bp)
    app.register_blueprint(panel_views.bp)
