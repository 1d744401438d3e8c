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

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

LIMIT = 4096  # signed tokens kept per process, about 100 bytes each

_signed: dict[tuple, tuple[str, float]] = {}


def csrf_token() -> str:
    """What ``generate_csrf()`` returns, from the process's keep when it may."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    token = g.get(field)
    if token:
        return token  # this request's already (Flask-WTF keeps it in g too)
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    limit = config.get("WTF_CSRF_TIME_LIMIT", 3600)  # Flask-WTF's default
    now = time.monotonic()
    raw = session.get(field)
    kept = _signed.get((secret, field, raw)) if isinstance(raw, str) else None
    if kept is not None and (limit is None or now - kept[1] < limit / 2):
        setattr(g, field, kept[0])  # forms of this request sign nothing either
        return kept[0]
    token = generate_csrf()  # makes the raw token first for a new visitor
    raw = session.get(field)
    if isinstance(raw, str):
        if len(_signed) >= LIMIT:
            _signed.clear()
        _signed[(secret, field, raw)] = (token, now)
    return token


def forget() -> None:
    """Drop the kept tokens, as a new process starts (tests)."""
    _signed.clear()
