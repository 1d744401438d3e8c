"""The application factory: builds and wires a Kringwerk app."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from kringwerk.config import build_config, default_instance_path


def create_app(config: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] | None = None) -> Flask:
    """Create the app. ``config`` overrides settings; ``environ`` replaces ``os.environ``
    (tests pass their own so the developer's shell cannot leak in)."""
    instance_path = Path((config or {}).get("INSTANCE_PATH") or default_instance_path())
    app = Flask(
        "kringwerk",
        instance_path=str(instance_path),
        instance_relative_config=False,
        static_folder=str(Path(__file__).parent / "static"),
        template_folder=None,
    )
    app.config.update(build_config(instance_path, config, os.environ if environ is None else environ))
    _configure_logging(app)

    from kringwerk.web.converters import DatabaseIdConverter

    # Before any blueprint: rules bind their converters when they are added.
    app.url_map.converters["int"] = DatabaseIdConverter

    from kringwerk import extensions
    from kringwerk import models as _models  # noqa: F401 - completes the metadata

    extensions.db.init_app(app)
    web_process = bool((os.environ if environ is None else environ).get("KRINGWERK_WEB_PROCESS"))
    if not web_process:
        extensions.init_migrations(app)
    extensions.csrf.init_app(app)

    # Core domains, then plugins, then the web shell that renders them all.
    from kringwerk import (
        accounts,
        audit,
        billing,
        cli,
        documents,
        jobs,
        mail,
        members,
        networks,
        operator,
        pluginhost,
        tenancy,
        tenants,
        tokens,
        web,
    )

    tenancy.init_app(app)
    tenants.init_app(app)
    networks.init_app(app)
    accounts.init_app(app)
    members.init_app(app)
    audit.init_app(app)
    jobs.init_app(app)
    mail.init_app(app)
    documents.init_app(app)
    tokens.init_app(app)
    pluginhost.init_app(app)
    operator.init_app(app)
    billing.init_app(app)
    web.init_app(app)
    cli.init_app(app, migrations=not web_process)
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def _configure_logging(app: Flask) -> None:
    if app.config["ENV"] != "testing" and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
