"""HTTP security headers for every response, and cookie flags that follow BASE_URL.

The Content-Security-Policy allows scripts and styles from this site only: no
inline ``<script>``, no ``hx-on``/``on*=`` handlers, no ``style=""``. The
tenant's colour therefore arrives as a stylesheet (``/<tenant>/theme.css``).
A test scans every template for what this policy would block.
"""

from __future__ import annotations

from flask import Flask, Response
from flask_login import current_user

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


def install(app: Flask) -> None:
    https = app.config["BASE_URL"].startswith("https://")
    if https:
        # BASE_URL may come from the environment or from overrides; cookies follow it either way.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if https:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if "Cache-Control" not in response.headers and _signed_in():
            # A page for a signed-in person must not be kept by a shared cache or the
            # browser's back button after sign-out.
            response.headers["Cache-Control"] = "private, no-store"
        return response


def _signed_in() -> bool:
    return current_user.is_authenticated
