"""The operator console at /operator/: tenants, plugins per tenant, the audit log."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from kringwerk.operator import views

    app.register_blueprint(views.bp)
