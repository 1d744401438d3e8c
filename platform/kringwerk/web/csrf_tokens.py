"""The CSRF token the page shell and its forms carry, signed once per session and process.

Flask-WTF's ``generate_csrf`` signs the session's raw token anew on every request (a
serializer, JSON, an HMAC and a timestamp: about 50 µs), although the raw token stays the
same for the whole session. ``csrf_token()`` (the templates' global) keeps the signed form
per raw token and gives it again while it is younger than half of ``WTF_CSRF_TIME_LIMIT``
(always, without a limit). Validation is Flask-WTF's, unchanged: a kept token is checked
against the session's raw token and its age exactly as a new one.

A token not kept yet is signed the way ``generate_csrf`` signs it (a new visitor's raw token
made as Flask-WTF makes it; the same salt, key and serializer format), by a serializer kept
per process and secret key instead of one built per call.
"""

from __future__ import annotations

import hashlib
import os
import time

from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf

from kringwerk.web.security import KeptSerializer

LIMIT = 4096  # signed tokens kept per process, about 100 bytes each
SALT = "wtf-csrf-token"  # Flask-WTF's: validate_csrf checks with it

_signed: dict[tuple, tuple[str, float]] = {}
_serializers: dict = {}  # per secret key: Flask-WTF's URLSafeTimedSerializer, kept


def install(app: Flask) -> None:
    """Each request starts with the session's kept token in ``g``, where Flask-WTF looks
    first: the page shell and every form of the page (WTForms' own CSRF field) carry it."""
    app.before_request(_prime)


def csrf_token() -> str:
    """What ``generate_csrf()`` returns, from the process's keep when it may."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    token = g.get(field) or _kept(config, field)
    if token:
        return token  # this request's already (Flask-WTF keeps it in g too)
    secret = _secret(config)
    if secret is None:
        return generate_csrf()  # Flask-WTF's own answer: no key configured
    if field not in session:
        # Flask-WTF's raw token, made as generate_csrf makes it.
        session[field] = hashlib.sha1(os.urandom(64)).hexdigest()
    raw = session[field]
    if not isinstance(raw, str):
        return generate_csrf()  # Flask-WTF's own answer for a raw token of another type
    token = _serializer(secret).dumps(raw)
    setattr(g, field, token)
    if len(_signed) >= LIMIT:
        _signed.clear()
    _signed[(secret, field, raw)] = (token, time.monotonic())
    return token


def _prime() -> None:
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    if field not in g:
        _kept(config, field)


def _kept(config, field: str) -> str | None:
    """The kept signed form of the session's raw token (also put in ``g``), or None."""
    raw = session.get(field)
    if not isinstance(raw, str):
        return None
    kept = _signed.get((_secret(config), field, raw))
    if kept is None:
        return None
    limit = config.get("WTF_CSRF_TIME_LIMIT", 3600)  # Flask-WTF's default
    if limit is not None and time.monotonic() - kept[1] >= limit / 2:
        return None
    setattr(g, field, kept[0])
    return kept[0]


def _secret(config):
    # Flask-WTF's choice of key (csrf._get_config): WTF_CSRF_SECRET_KEY when configured,
    # else the app's secret_key (Flask's SECRET_KEY).
    return config.get("WTF_CSRF_SECRET_KEY", config.get("SECRET_KEY"))


def _serializer(secret) -> KeptSerializer:
    """What ``generate_csrf`` builds for every call (URLSafeTimedSerializer with Flask-WTF's
    salt and its defaults), made once per secret key."""
    serializer = _serializers.get(secret)
    if serializer is None:
        if len(_serializers) >= 8:  # a key rotated now and then; never many at once
            _serializers.clear()
        serializer = _serializers[secret] = KeptSerializer(secret, salt=SALT)
    return serializer


def forget() -> None:
    """Drop the kept tokens, as a new process starts (tests)."""
    _signed.clear()
    _serializers.clear()
