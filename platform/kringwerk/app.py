"""The application factory: builds and wires a Kringwerk app."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request

from kringwerk.config import build_config, default_instance_path


def create_app(config: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] | None = None) -> Flask:
    """Create the app. ``config`` overrides settings; ``environ`` replaces ``os.environ``
    (tests pass their own so the developer's shell cannot leak in)."""
    instance_path = Path((config or {}).get("INSTANCE_PATH") or default_instance_path())
    app = Kringwerk(
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
    _check_csrf_method_first(app)

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
    _drop_redundant_context_processors(app)
    return app


class Kringwerk(Flask):
    """Flask, remembering per function whether it is a coroutine function.

    Flask's ``ensure_sync`` asks ``inspect.iscoroutinefunction`` for every view, hook and
    context processor on every request (about 18 a page, 1 µs each). The answer never changes
    for a function, so it is asked once; a coroutine function is handed to ``async_to_sync``
    every time, as Flask does (which raises without the ``async`` extra). Bounded: functions
    made per call, if anything passed such, are forgotten by the thousand."""

    COROUTINE_ANSWERS_KEPT = 1024

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._coroutine_function: dict[Callable, bool] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        try:
            coroutine = self._coroutine_function.get(func)
        except TypeError:  # an unhashable callable: Flask's own way every time
            return super().ensure_sync(func)
        if coroutine is None:
            sync = super().ensure_sync(func)  # raises as Flask does; nothing kept then
            if len(self._coroutine_function) >= self.COROUTINE_ANSWERS_KEPT:
                self._coroutine_function.clear()
            self._coroutine_function[func] = sync is not func
            return sync
        return self.async_to_sync(func) if coroutine else func


def _check_csrf_method_first(app: Flask) -> None:
    """Flask-WTF's ``csrf_protect`` hook looks up whether the view is exempt (its module,
    name and blueprint) before it looks at the method, so every GET pays for that and then
    returns. The same hook, asked only for the methods it checks (WTF_CSRF_METHODS): for
    any other it returns None without doing anything, as it did."""
    hooks = app.before_request_funcs[None]
    for index, hook in enumerate(hooks):
        if getattr(hook, "__module__", None) == "flask_wtf.csrf" and hook.__name__ == "csrf_protect":
            hooks[index] = _method_first(hook)


def _method_first(protect: Callable[[], None]) -> Callable[[], None]:
    @functools.wraps(protect)
    def csrf_protect() -> None:
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return None
        return protect()

    return csrf_protect


def _drop_redundant_context_processors(app: Flask) -> None:
    """Context processors that add nothing on any page, each an extra call per render:

    - Flask gives every blueprint its own copy of the default processor (``g``, ``request``,
      ``session``), which runs again after the app's on every page of a blueprint with the
      same three values;
    - Flask-WTF's gives ``csrf_token`` (overridden in every request by the shell's, in
      web/templating.py) and ``csrf_meta_tag``; both are Jinja globals too (``csrf_token``
      the shell's, ``csrf_meta_tag`` Flask-WTF's), so every template still finds them. (A
      template rendered outside a request gets no token from either: there is no session.)"""
    from flask.templating import _default_template_ctx_processor

    processors = app.template_context_processors
    if _default_template_ctx_processor in processors.get(None, ()):
        for name, functions in processors.items():
            if name is not None and _default_template_ctx_processor in functions:
                functions.remove(_default_template_ctx_processor)
    if "csrf_token" in app.jinja_env.globals and "csrf_meta_tag" in app.jinja_env.globals:
        processors[None] = [
            function for function in processors[None] if not _is_flask_wtf_processor(function)
        ]


def _is_flask_wtf_processor(function: Callable) -> bool:
    # CSRFProtect.init_app's lambda: {"csrf_token": generate_csrf, "csrf_meta_tag": csrf_meta_tag}
    return getattr(function, "__module__", None) == "flask_wtf.csrf" and getattr(
        function, "__qualname__", ""
    ).startswith("CSRFProtect.init_app.")


def _configure_logging(app: Flask) -> None:
    if app.config["ENV"] != "testing" and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
