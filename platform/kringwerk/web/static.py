"""Static files with their content's hash in the URL, cached by browsers for a year.

``url_for('static', filename=...)`` (and a plugin's ``url_for('polls.static', ...)``)
adds ``?v=<hash>``: the first 12 hex digits of the file's SHA-256, read once per
process (once per change of the file's modification time when the app runs in debug
mode). A release that changes a file changes its URL, so a versioned URL can be kept
for a year without asking again (``Cache-Control: public, max-age=31536000, immutable``),
by the app's own static routes here and by nginx (``deploy/nginx/locations.conf``).
A URL without ``v``, or with a ``v`` that is not the file's current hash (a page of
the previous release), keeps Flask's short rule: ``no-cache`` with an ETag, so it is
revalidated.

``static_url(filename)``, a template global, is ``url_for('static', filename=...)``
built once per process: the page shell asks for the same four files on every page.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import lru_cache, wraps

from flask import Flask, current_app, has_request_context, request, url_for
from werkzeug.security import safe_join

VERSION_ARG = "v"
DIGITS = 12
YEAR = 31536000


def install(app: Flask) -> None:
    """Version every static endpoint registered so far (the core's and the plugins')."""
    folders = _static_folders(app)
    app.url_defaults(_add_version)
    for endpoint in folders:
        app.view_functions[endpoint] = _long_lived(app.view_functions[endpoint], endpoint)
    app.extensions["kringwerk.static"] = folders
    app.jinja_env.globals["static_url"] = static_url


def _static_folders(app: Flask) -> dict[str, str]:
    folders = {}
    if app.has_static_folder:
        folders["static"] = app.static_folder
    for name, blueprint in app.blueprints.items():
        if blueprint.has_static_folder and f"{name}.static" in app.view_functions:
            folders[f"{name}.static"] = blueprint.static_folder
    return folders


def file_version(folder: str, filename: str) -> str | None:
    """The short content hash of ``filename`` in ``folder``, or None for a missing file."""
    if current_app.debug:  # files change while the development server runs
        path = _safe_path(folder, filename)
        return None if path is None else _hash_at(path, os.stat(path).st_mtime_ns)
    return _version(folder, filename)


def static_url(filename: str) -> str:
    """``url_for('static', filename=filename)``, versioned, built once per process."""
    if current_app.debug or not has_request_context():
        return url_for("static", filename=filename)
    return _static_url(request.script_root, filename)


@lru_cache(maxsize=256)
def _static_url(_script_root: str, filename: str) -> str:
    # The script root is part of the key: the same app may be mounted under two prefixes.
    return url_for("static", filename=filename)


def _add_version(endpoint: str, values: dict) -> None:
    if VERSION_ARG in values or "filename" not in values:
        return
    folder = current_app.extensions["kringwerk.static"].get(endpoint)
    if folder is None:
        return
    version = file_version(folder, values["filename"])
    if version is not None:
        values[VERSION_ARG] = version


def _long_lived(view: Callable, endpoint: str) -> Callable:
    @wraps(view)
    def static_view(**values):
        response = view(**values)
        asked = request.args.get(VERSION_ARG)
        if not asked or response.status_code not in (200, 304):
            return response
        folder = current_app.extensions["kringwerk.static"][endpoint]
        if asked == file_version(folder, values["filename"]):
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response

    return static_view


def _safe_path(folder: str, filename: str) -> str | None:
    path = safe_join(folder, filename)
    return path if path is not None and os.path.isfile(path) else None


# Bounded: a request may name any file (``/static/<anything>?v=x``).
@lru_cache(maxsize=1024)
def _version(folder: str, filename: str) -> str | None:
    path = _safe_path(folder, filename)
    return None if path is None else digest(path)


@lru_cache(maxsize=512)
def _hash_at(path: str, _stamp: int) -> str:
    return digest(path)


def digest(path: str) -> str:
    """The short content hash of the file at ``path`` (also what nginx's map holds)."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()[:DIGITS]


def forget() -> None:
    """Drop what this process has hashed and built, as a new process starts (tests)."""
    _version.cache_clear()
    _hash_at.cache_clear()
    _static_url.cache_clear()
