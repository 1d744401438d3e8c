"""``fixed_url(endpoint)``: a URL that takes no values but the tenant, built once per process.

The page shell links the same handful of pages on every request (the language switch,
the account, signing out, the tenant's home and stylesheet): ``url_for`` builds each
anew, through the URL defaults and the tenant filler, about 12 µs apiece. Their URLs
depend only on the endpoint, the tenant's slug and the prefix the app is mounted at, so
each is built once and kept (a few per tenant, bounded).
"""

from __future__ import annotations

from functools import lru_cache

from flask import g, request, url_for


def fixed_url(endpoint: str) -> str:
    """``url_for(endpoint)`` for an endpoint taking no values but the tenant (filled in as
    ``url_for`` does), built once per process for each tenant."""
    if endpoint.startswith("."):
        raise ValueError(f"fixed_url needs a full endpoint, not {endpoint!r}")  # relative to the blueprint
    tenant = g.get("tenant")
    return _built(request.script_root, endpoint, None if tenant is None else tenant.slug)


@lru_cache(maxsize=4096)
def _built(_script_root: str, endpoint: str, _slug: str | None) -> str:
    # The key holds all url_for reads here: the mount prefix and the tenant it fills in.
    return url_for(endpoint)


def forget() -> None:
    """Drop the built URLs, as a new process starts (tests)."""
    _built.cache_clear()
