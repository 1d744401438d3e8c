"""The audit trail of administrative actions: recording them (``services.record``)
and the audit log pages for a tenant's board and for operators."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from kringwerk.audit import views

    app.register_blueprint(views.bp)
