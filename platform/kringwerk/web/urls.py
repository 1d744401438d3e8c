"""Absolute links for mail and jobs: ``external_url(endpoint, **values)``.

A link in an e-mail is built where there may be no request (a job, a CLI
command), so it starts from ``BASE_URL`` rather than the request's host, and
fills in ``tenant`` from the tenant being worked for.
"""

from __future__ import annotations

from flask import current_app

from kringwerk.tenancy.routing import TENANT_ARG, current_tenant


def external_url(endpoint: str, **values) -> str:
    """``BASE_URL`` plus the path of ``endpoint`` (inside or outside a request)."""
    url_map = current_app.url_map
    if TENANT_ARG not in values and url_map.is_endpoint_expecting(endpoint, TENANT_ARG):
        tenant = current_tenant()
        if tenant is None:
            raise RuntimeError(f"{endpoint} needs a tenant: call inside a tenant scope or pass tenant=")
        values[TENANT_ARG] = tenant.slug
    elif hasattr(values.get(TENANT_ARG), "slug"):
        values[TENANT_ARG] = values[TENANT_ARG].slug
    path = url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path
