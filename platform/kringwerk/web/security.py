"""HTTP security headers for every response, cookie flags that follow BASE_URL, and the
session cookie's signer built once per process instead of once per request.

The Content-Security-Policy allows scripts and styles from this site only: no
inline ``<script>``, no ``hx-on``/``on*=`` handlers, no ``style=""``. The
tenant's colour therefore arrives as a stylesheet (``/<tenant>/theme.css``).
A test scans every template for what this policy would block.
"""

from __future__ import annotations

from flask import Flask, Response
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import URLSafeTimedSerializer

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
    """Flask's signed-cookie session, its serializer kept while the secret keys stay the
    same: Flask builds a new one (and derives its keys) for every request."""

    _kept: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app))
        return kept[1]


def _signed_in() -> bool:
    return current_user.is_authenticated
