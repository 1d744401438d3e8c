"""Tenant administration: settings, tenants as code, network affiliations and the network scope.

The wall between tenants lives in ``kringwerk.tenancy``; this package builds on it.
Its command-line commands are collected by ``kringwerk.cli`` from ``tenants.cli``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from kringwerk.tenants import views

    app.register_blueprint(views.bp)
