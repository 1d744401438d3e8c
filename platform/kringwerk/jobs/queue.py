"""Connections to Redis and the RQ queue."""

from __future__ import annotations

from flask import current_app
from redis import Redis


def redis_connection() -> Redis:
    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)
