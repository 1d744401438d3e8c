"""HTTP security headers for every response, cookie flags that follow BASE_URL, and the
session cookie's serializer and reading kept per process instead of redone per request.

The Content-Security-Policy allows scripts and styles from this site only: no
inline ``<script>``, no ``hx-on``/``on*=`` handlers, no ``style=""``. The
tenant's colour therefore arrives as a stylesheet (``/<tenant>/theme.css``).
A test scans every template for what this policy would block.
"""

from __future__ import annotations

import copy
import time

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def install(app: Flask) -> None:
    https = app.config["BASE_URL"].startswith("https://")
    if https:
        # BASE_URL may come from the environment or from overrides; cookies follow it either way.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.session_interface = SessionInterface()
    # Each header with its lower-case name, the way the response's names are compared.
    headers = [(name.lower(), name, value) for name, value in SECURITY_HEADERS.items()]
    if https:
        headers.append((HSTS[0].lower(), *HSTS))

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # A view's own value of any of these wins. One pass over the response's few headers
        # instead of werkzeug's setdefault per header (a scan and a KeyError each).
        present = {name.lower() for name, _value in response.headers}
        for lowered, name, value in headers:
            if lowered not in present:
                response.headers.add(name, value)
        if "cache-control" not in present and _signed_in():
            # A page for a signed-in person must not be kept by a shared cache or the
            # browser's back button after sign-out.
            response.headers["Cache-Control"] = "private, no-store"
        return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with two costs of every request paid once per process:
    the serializer (Flask builds a new one, deriving its keys, for every request) and the
    reading of a cookie already read (base64, HMAC, zlib and tagged JSON: about 60 µs).
    A cookie is kept only once its signature has been checked, keyed by its exact text
    (signature included), and only with the serializer (the secret keys) that checked it;
    its age is checked on every request exactly as itsdangerous does."""

    _kept: tuple[tuple, URLSafeTimedSerializer | None, dict] | None = None

    def _serializer(self, app: Flask) -> tuple[URLSafeTimedSerializer | None, dict]:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            # New keys: a new serializer, and no cookie read with the old ones is trusted.
            kept = self._kept = (keys, super().get_signing_serializer(app), {})
        return kept[1], kept[2]

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        return self._serializer(app)[0]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer, opened = self._serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = opened.get(value)
        if known is not None:
            age = int(time.time()) - known[1]  # itsdangerous' own rule: whole seconds, 0..max_age
            if 0 <= age <= max_age:
                return self.session_class(_copy(known[0]))
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if len(opened) >= OPENED_LIMIT:
            opened.clear()
        opened[value] = (_copy(data), int(signed_at.timestamp()))
        return self.session_class(data)


OPENED_LIMIT = 1024  # cookies kept per process, about 1 kB each

_SCALARS = (str, int, float, bool, type(None))


def _copy(data: dict) -> dict:
    # Each request gets its own session dict; nested values are copied too.
    if all(isinstance(value, _SCALARS) for value in data.values()):
        return dict(data)
    return copy.deepcopy(data)


def _signed_in() -> bool:
    return current_user.is_authenticated
