"""Fixtures of the job tests: an app on Redis when a test asks for the queue
(in-process otherwise), and a burst worker that runs the queue in this process."""

from __future__ import annotations

import pytest

from tests.conftest import base_config

# A database of its own on the shared test Redis, emptied around each test.
REDIS_DB = 7


@pytest.fixture
def app_config(request, tmp_path, database_url) -> dict:
    config = base_config(tmp_path, database_url)
    if "queue" in request.fixturenames:
        redis_server = request.getfixturevalue("redis_server")
        config.update(REDIS_URL=redis_server.url.rsplit("/", 1)[0] + f"/{REDIS_DB}", JOBS_IN_PROCESS=False)
    return config


@pytest.fixture
def queue(app):
    from kringwerk.jobs.queue import get_queue, redis_connection

    connection = redis_connection(app)
    connection.flushdb()
    yield get_queue(app)
    connection.flushdb()


@pytest.fixture
def work(queue):
    """``work()`` runs every queued job with a burst worker, in this process."""
    from rq import SimpleWorker

    from kringwerk.jobs.queue import SERIALIZER

    class BurstWorker(SimpleWorker):
        def subscribe(self):
            """No command channel: stopping its listener thread costs a second per run."""

    def run() -> bool:
        return BurstWorker([queue], connection=queue.connection, serializer=SERIALIZER).work(
            burst=True, logging_level="WARNING"
        )

    return run


@pytest.fixture(autouse=True)
def clear_job_records():
    from tests.jobs import sample_jobs
    from tests.support.dummy_plugin import hooks

    sample_jobs.seen.clear()
    hooks.calls.clear()
    yield
    sample_jobs.seen.clear()
    hooks.calls.clear()
