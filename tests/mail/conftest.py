"""Fixtures of the mail tests: SMTP_URL pointing at the test's aiosmtpd server
when a test asks for ``smtp_server``, Redis when it asks for ``queue``, and a
test-only e-mail template."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, FileSystemLoader

from tests.conftest import base_config

REDIS_DB = 8
TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture
def app_config(request, tmp_path, database_url) -> dict:
    config = base_config(tmp_path, database_url)
    if "smtp_server" in request.fixturenames:
        config["SMTP_URL"] = request.getfixturevalue("smtp_server").url
    if "queue" in request.fixturenames:
        redis_server = request.getfixturevalue("redis_server")
        config.update(REDIS_URL=redis_server.url.rsplit("/", 1)[0] + f"/{REDIS_DB}", JOBS_IN_PROCESS=False)
    return config


@pytest.fixture(autouse=True)
def mail_templates(app):
    """``emails/notice.txt|html`` from this folder, ahead of the shared templates."""
    app.jinja_loader = ChoiceLoader([FileSystemLoader(TEMPLATES), app.jinja_loader])


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
