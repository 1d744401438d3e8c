"""The one way Kringwerk makes and hashes a secret for a link.

A link carries a random token; the database keeps only its SHA-256, so a copy
of the database opens no door. Personal tokens (``tokens.services``) and the
platform's sign-in links (``accounts``) both use these two functions.
"""

from __future__ import annotations

import hashlib
import secrets

# 32 random bytes: 43 URL-safe characters, far beyond guessing.
TOKEN_BYTES = 32


def new_token() -> tuple[str, str]:
    """A random token for the link, and the SHA-256 hex digest to store (never the token itself)."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    """The SHA-256 hex digest stored for ``raw``."""
    return hashlib.sha256(raw.encode()).hexdigest()
