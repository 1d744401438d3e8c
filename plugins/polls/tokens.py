"""Personal poll links: a random token goes out in the e-mail, only its SHA-256
hash is stored (on the PollInvitation, bound to its tenant and poll)."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A random token for the link, and the hash to store."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
