"""Small guards for user-supplied URLs."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next_url(target: str | None, *, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback`` (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target
