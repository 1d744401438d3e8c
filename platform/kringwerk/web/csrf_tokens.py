"""The CSRF token the page shell and its forms carry, signed once per session and process.

Flask-WTF's ``generate_csrf`` signs the session's raw token anew on every request (a
serializer, JSON, an HMAC and a timestamp: about 50 µs), although the raw token stays the
same for the whole session. ``csrf_token()`` (the templates' global) keeps the signed form
per raw token and gives it again while it is younger than half of ``WTF_CSRF_TIME_LIMIT``
(always, without a limit). Validation is Flask-WTF's, unchanged: a kept token is checked
against the session's raw token and its age exactly as a new one.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf

LIMIT = 4096  # signed tokens kept per process, about 100 bytes each

_signed: dict[tuple, tuple[str, float]] = {}


def install(app: Flask) -> None:
    """Each request starts with the session's kept token in ``g``, where Flask-WTF looks
    first: the page shell and every form of the page (WTForms' own CSRF field) carry it."""
    app.before_request(_prime)


def csrf_token() -> str:
    """What ``generate_csrf()`` returns, from the process's keep when it may."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    token = g.get(field) or _kept(field)
    if token:
        return token  # this request's already (Flask-WTF keeps it in g too)
    token = generate_csrf()  # makes the raw token first for a new visitor
    raw = session.get(field)
    if isinstance(raw, str):
        if len(_signed) >= LIMIT:
            _signed.clear()
        _signed[(_secret(), field, raw)] = (token, time.monotonic())
    return token


def _prime() -> None:
    field = current_app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    if field not in g:
        _kept(field)


def _kept(field: str) -> str | None:
    """The kept signed form of the session's raw token (also put in ``g``), or None."""
    raw = session.get(field)
    if not isinstance(raw, str):
        return None
    kept = _signed.get((_secret(), field, raw))
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600)  # Flask-WTF's default
    if kept is None or (limit is not None and time.monotonic() - kept[1] >= limit / 2):
        return None
    setattr(g, field, kept[0])
    return kept[0]


def _secret():
    return current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key


def forget() -> None:
    """Drop the kept tokens, as a new process starts (tests)."""
    _signed.clear()
