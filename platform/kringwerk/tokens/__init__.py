"""Personal links: random tokens, stored hashed, bound to a tenant and a purpose, expiring and revocable."""

from __future__ import annotations


def init_app(app) -> None:
    """Keep tokens out of the development server's access log."""
    from kringwerk.tokens import redact

    redact.install("werkzeug")
