"""Connections to Redis and the RQ queue.

Jobs travel as JSON (``rq.serializers.JSONSerializer``), not pickle: a job
carries ids and plain values only, and nothing read from Redis can make the
worker run code it was not written to run.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.serializers import JSONSerializer

QUEUE_NAME = "kringwerk"
SERIALIZER = JSONSerializer
# Back-off for a failing job: after 10 s, then 1 min, then 5 min. Waits need
# the RQ scheduler, which `kringwerk worker` runs (with_scheduler=True).
RETRY_INTERVALS = (10, 60, 300)
# Long enough for an import or export of a large tenant; RQ's default is 3 minutes.
JOB_TIMEOUT = 15 * 60
# A failed job keeps its payload (a mail job: address and text) in Redis; RQ's
# default is a year, which personal data should not outlive.
FAILURE_TTL = 14 * 24 * 3600
_CONNECTION = "kringwerk.jobs.redis"

log = logging.getLogger("kringwerk.jobs")


def retry_policy() -> Retry:
    return Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS))


def redis_connection(app: Flask | None = None) -> Redis:
    """The app's Redis connection (one pool per app; redis-py reconnects after a fork)."""
    app = app or current_app._get_current_object()
    connection = app.extensions.get(_CONNECTION)
    if connection is None:
        connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)
        app.extensions[_CONNECTION] = connection
    return connection


def get_queue(app: Flask | None = None, connection: Redis | None = None) -> Queue:
    return Queue(QUEUE_NAME, connection=connection or redis_connection(app), serializer=SERIALIZER)


def worker_connection(app: Flask | None = None) -> Redis:
    """A connection for a worker: no socket timeout, because the worker blocks on
    the queue for minutes at a time and a short timeout would make it quit."""
    app = app or current_app._get_current_object()
    return Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=5, health_check_interval=30)


def queue_reachable(app: Flask | None = None) -> bool:
    """Whether a job queued now would reach Redis (always, when jobs run in-process).
    A page that promises to send something asks first, whoever it is for."""
    app = app or current_app._get_current_object()
    if app.config["JOBS_IN_PROCESS"]:
        return True
    try:
        return bool(redis_connection(app).ping())
    except (RedisError, OSError) as error:
        log.warning("the job queue (Redis) is unreachable: %s", error)
        return False
