"""Members: companies (KvK), contact persons, business parks, circles and themes."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from kringwerk.members import views

    app.register_blueprint(views.bp)
