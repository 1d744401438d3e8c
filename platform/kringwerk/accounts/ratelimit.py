"""Rate limiting of sign-in attempts, password-reset and magic-link requests.

Each action is counted twice: per client IP address and per e-mail address,
in fixed windows (by default 10 per IP and 5 per address in 15 minutes; see
``DEFAULTS`` for the settings). The counters live in Redis when
``REDIS_URL`` is set, so every web process shares them; otherwise in a
thread-safe store inside this process. When Redis cannot be reached, the
limiter counts in the process instead (each process on its own, so the limits
are looser by the number of processes, never off), logs one warning, and tries
Redis again after ``RETRY_STORE_AFTER`` seconds. ``RATELIMIT_ENABLED = False``
turns limiting off (the test suite's default).

Usage: ``limiter().exceeded(action, ip=..., email=...)`` looks without
counting; ``limiter().hit(...)`` counts one attempt and says whether that
attempt went over a limit. For other views (plugins through the facade):
``rate_limit(action, limit, period)`` stops the request with a 429 past
``limit`` requests per client IP in ``period`` seconds; ``limit_invitations()`` bounds the
invitation mails one signed-in person sends (members of a tenant, chairs of associations).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from flask import Flask, current_app, request
from werkzeug.exceptions import TooManyRequests

log = logging.getLogger("kringwerk.ratelimit")

EXTENSION_KEY = "kringwerk.ratelimit"

DEFAULTS = {
    "RATELIMIT_IP_LIMIT": 10,  # attempts per client IP ...
    "RATELIMIT_EMAIL_LIMIT": 5,  # ... and per e-mail address ...
    "RATELIMIT_WINDOW": 15 * 60,  # ... in this many seconds
}

# Invitation mails per person sending them, whichever the invitation (a member, a chair):
# an admin account taken over must not become a way to mail anyone at will.
INVITATIONS = (30, 60 * 60)

KEY_PREFIX = "kringwerk:ratelimit"
# After Redis fails, count in the process this long before trying it again, so an
# outage (or a store that times out) does not slow every attempt down.
RETRY_STORE_AFTER = 30.0

T = TypeVar("T")


class Backend(Protocol):
    def count(self, key: str) -> int: ...

    def increment(self, key: str, window: int) -> int: ...


class MemoryBackend:
    """Counters in this process, for a single-process setup without Redis."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, tuple[int, float]] = {}
        self._next_prune = 0.0

    def count(self, key: str) -> int:
        with self._lock:
            count, expires = self._counters.get(key, (0, 0.0))
            return count if expires > time.monotonic() else 0

    def increment(self, key: str, window: int) -> int:
        now = time.monotonic()
        with self._lock:
            self._prune(now)
            count, expires = self._counters.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + window
            count += 1
            self._counters[key] = (count, expires)
            return count

    def _prune(self, now: float) -> None:
        # Without pruning, every address ever tried would stay in memory.
        if now < self._next_prune:
            return
        self._counters = {k: v for k, v in self._counters.items() if v[1] > now}
        self._next_prune = now + 60


class RedisBackend:
    """Counters in Redis, shared by every process: INCR on a key that expires with its window."""

    def __init__(self, url: str) -> None:
        from redis import Redis

        self.redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)

    def count(self, key: str) -> int:
        value = self.redis.get(key)
        return int(value) if value else 0

    def increment(self, key: str, window: int) -> int:
        # SET NX EX starts the window only for the first attempt; INCR keeps the expiry.
        pipe = self.redis.pipeline()
        pipe.set(key, 0, ex=window, nx=True)
        pipe.incr(key)
        _, count = pipe.execute()
        return int(count)


@dataclass
class RateLimiter:
    backend: Backend
    enabled: bool
    ip_limit: int
    email_limit: int
    window: int
    # Used while ``backend`` cannot be reached: limits stay on, counted in this process.
    fallback: Backend = field(default_factory=MemoryBackend)
    _down_until: float | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @staticmethod
    def key(action: str, kind: str, value: str) -> str:
        """``kringwerk:ratelimit:<action>:<ip|email>:<sha256>``: no addresses stored in clear."""
        digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
        return f"{KEY_PREFIX}:{action}:{kind}:{digest}"

    def _keys(self, action: str, ip: str | None, email: str | None) -> list[tuple[str, int]]:
        keys = []
        if ip:
            keys.append((self.key(action, "ip", ip), self.ip_limit))
        if email:
            keys.append((self.key(action, "email", email), self.email_limit))
        return keys

    def exceeded(self, action: str, *, ip: str | None, email: str | None) -> bool:
        """True when the limit is already used up (counts nothing)."""
        if not self.enabled:
            return False
        keys = self._keys(action, ip, email)
        return self._use(lambda store: any(store.count(key) >= limit for key, limit in keys))

    def hit(self, action: str, *, ip: str | None, email: str | None) -> bool:
        """Count one attempt; True when it goes over a limit (refuse it)."""
        if not self.enabled:
            return False
        keys = self._keys(action, ip, email)
        counts = self._use(lambda store: [(store.increment(key, self.window), limit) for key, limit in keys])
        return any(count > limit for count, limit in counts)

    def _use(self, work: Callable[[Backend], T]) -> T:
        """``work`` on the shared store, or on the one in this process while the shared one is down.

        Failing open would let a Redis outage switch brute-force protection off, so the
        limits stay: looser (per process), but on.
        """
        with self._lock:
            down_until = self._down_until
        if down_until is not None and time.monotonic() < down_until:
            return work(self.fallback)
        try:
            result = work(self.backend)
        except Exception as error:  # noqa: BLE001 - any store failure: connection, timeout, protocol
            with self._lock:
                first = self._down_until is None
                self._down_until = time.monotonic() + RETRY_STORE_AFTER
            if first:
                log.warning(
                    "rate limiter store unavailable, counting in this process until it is back: %s", error
                )
            return work(self.fallback)
        if down_until is not None:
            with self._lock:
                self._down_until = None
            log.info("rate limiter store reachable again; counting there")
        return result


def init_app(app: Flask) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    redis_url = app.config.get("REDIS_URL")
    backend: Backend = RedisBackend(redis_url) if redis_url else MemoryBackend()
    app.extensions[EXTENSION_KEY] = RateLimiter(
        backend=backend,
        enabled=bool(app.config.get("RATELIMIT_ENABLED", True)),
        ip_limit=int(app.config["RATELIMIT_IP_LIMIT"]),
        email_limit=int(app.config["RATELIMIT_EMAIL_LIMIT"]),
        window=int(app.config["RATELIMIT_WINDOW"]),
    )


def limiter() -> RateLimiter:
    return current_app.extensions[EXTENSION_KEY]


def rate_limit(action: str, limit: int, period: int, *, key: str | None = None) -> None:
    """Count one request of ``action`` (say ``"events.guest_signup"``) by ``key`` (default:
    the client's IP address) in windows of ``period`` seconds; past ``limit``, stop the
    request with the core's 429 page and a Retry-After header. The same store, fallback and
    ``RATELIMIT_ENABLED`` switch as the sign-in limits."""
    active = limiter()
    if not active.enabled:
        return
    value = key if key is not None else (request.remote_addr or "unknown")
    counted = active.key(action, "key" if key is not None else "ip", value)
    if active._use(lambda store: store.increment(counted, period)) > limit:
        raise TooManyRequests(retry_after=period)


def limit_invitations() -> None:
    """Count one invitation mail sent by the signed-in person; past ``INVITATIONS`` a 429."""
    from flask_login import current_user

    rate_limit("invitations", *INVITATIONS, key=f"user:{current_user.get_id()}")
