"""Tenant-level pages that belong to tenancy itself: the tenant's logo."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

from kringwerk.tenancy.routing import current_tenant

bp = Blueprint("tenancy", __name__, url_prefix="/<tenant>")


@bp.get("/logo")
def logo():
    tenant = current_tenant()
    if not tenant.logo_filename:
        abort(404)
    folder = Path(current_app.config["UPLOAD_DIR"]) / "tenants" / str(tenant.id)
    return send_from_directory(folder, tenant.logo_filename, max_age=300)
