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
# Back-off for a failing job: after 10 s, then 1 min, then 5 min (growing, so a
# mail server that is down for a while is not hammered). Waits need the RQ
# scheduler, which `kringwerk worker` runs (with_scheduler=True). Setting:
# JOB_RETRY_INTERVALS, a sequence of seconds (its length is the number of retries).
RETRY_INTERVALS = (10, 60, 300)
# Long enough for an import or export of a large tenant; RQ's default is 3 minutes.
# Setting: JOB_TIMEOUT, seconds, or {"module:function": seconds, "default": seconds}.
JOB_TIMEOUT = 15 * 60
# A failed job keeps its payload (a mail job: address and text) in Redis; RQ's
# default is a year, which personal data should not outlive.
FAILURE_TTL = 14 * 24 * 3600
_CONNECTION = "kringwerk.jobs.redis"

log = logging.getLogger("kringwerk.jobs")


def retry_intervals(app: Flask | None = None) -> list[int]:
    """The waits between attempts (``JOB_RETRY_INTERVALS``, default 10 s, 1 min, 5 min)."""
    app = app or current_app._get_current_object()
    return [int(seconds) for seconds in app.config.get("JOB_RETRY_INTERVALS", RETRY_INTERVALS)]


def retry_policy(app: Flask | None = None) -> Retry | None:
    intervals = retry_intervals(app)
    return Retry(max=len(intervals), interval=intervals) if intervals else None


def job_timeout(func: str, app: Flask | None = None) -> int:
    """How long one attempt of the job ``func`` ("module:function") may run before RQ
    stops it: ``JOB_TIMEOUT`` for that function, else its ``"default"``, else 15 min."""
    app = app or current_app._get_current_object()
    setting = app.config.get("JOB_TIMEOUT", JOB_TIMEOUT)
    if isinstance(setting, dict):
        return int(setting.get(func, setting.get("default", JOB_TIMEOUT)))
    return int(setting)


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
