"""Personal links: random tokens, stored hashed, bound to a tenant and a purpose, expiring and revocable."""

from __future__ import annotations


def init_app(app) -> None:
    """Keep tokens out of the development server's access log and the app's own log
    (an unexpected error logs the path of the request, token and all)."""
    from kringwerk.tokens import redact

    redact.install("werkzeug")
    redact.install(app.logger.name)
