"""A worker killed in the middle of sending a mail, on a real Redis with a real
`kringwerk worker` process: the next worker finds the job abandoned (RQ's
StartedJobRegistry cleanup), the task does not stay "running", and the mail does
not go out a second time (delivery is at most once, see kringwerk.mail.services)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path

import pytest
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from sqlalchemy import select

from kringwerk.config import PROJECT_ROOT
from kringwerk.extensions import db
from kringwerk.jobs import start_task
from kringwerk.jobs.models import BackgroundTask, TaskStatus
from kringwerk.jobs.queue import SERIALIZER
from kringwerk.jobs.services import create_task
from kringwerk.mail import send_mail
from kringwerk.mail.models import SentMail
from kringwerk.tenancy.context import tenant_scope
from tests.jobs import sample_jobs
from tests.support.services import free_port


class SlowSMTP:
    """An SMTP server that takes a message in and then keeps the sender waiting for
    its answer: the moment a killed worker cannot know whether the mail went out."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages = []
        self.release = threading.Event()
        self.port = free_port()
        server = self

        class Handler:
            async def handle_DATA(self, smtp, session, envelope):
                server.messages.append(message_from_bytes(envelope.original_content or envelope.content))
                while not server.release.is_set():
                    await asyncio.sleep(0.05)
                return "250 Message accepted for delivery"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def wait_for(self, count: int, timeout: float = 90.0) -> int:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(self.messages)


@pytest.fixture
def slow_smtp():
    server = SlowSMTP()
    server.controller.start()
    yield server
    server.release.set()
    server.controller.stop()


def worker_process(app, log: Path, *args: str) -> subprocess.Popen:
    """`kringwerk worker` as production runs it, configured by the environment only."""
    env = {
        **os.environ,
        "KRINGWERK_ENV": "testing",
        "KRINGWERK_INSTANCE": str(log.parent / "instance"),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "SMTP_URL": app.config["SMTP_URL"],
        "SECRET_KEY": "worker-test-secret",
        "BASE_URL": "http://localhost",
        "PYTHONPATH": str(PROJECT_ROOT),  # the test's job functions live in tests/
    }
    command = [str(Path(sys.executable).with_name("kringwerk")), "worker", *args]
    return subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def task_status(side, task_id: int) -> TaskStatus | None:
    db.session.expire_all()
    with tenant_scope(side.tenant):
        task = db.session.get(BackgroundTask, task_id)
        status = None if task is None else task.status
    db.session.rollback()  # hold no read lock (SQLite) while the workers write
    return status


def kill_everything(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and every process it started, as a lost machine or a killed
    container would (RQ's work horse runs in a session of its own)."""
    pids, todo = [], [worker.pid]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        todo.extend(int(child) for child in children)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def wait_until(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.both_databases
@pytest.mark.parametrize("way", ["task sending at once", "delivery job"])
def test_a_worker_killed_mid_mail_neither_sends_twice_nor_leaves_the_task_running(
    world, app, queue, slow_smtp, tmp_path, way
):
    """``send_mail_now`` inside a task (as the invitation jobs do) and ``send_mail``'s
    delivery job: the worker is killed while the server holds the message."""
    app.config["SMTP_URL"] = slow_smtp.url
    # The retry after the abandonment runs at once (the back-off itself is tested elsewhere).
    app.config["JOB_RETRY_INTERVALS"] = [0, 0, 0]
    with tenant_scope(world.b.tenant):
        b_task = create_task("test.other", actor=world.b.admin).id
        db.session.commit()
    with tenant_scope(world.a.tenant):
        if way == "delivery job":
            task_id = None
            send_mail("anna@example.test", "Your link", "accounts/magic_link", locale="en",
                      context={"link": "http://localhost/x"}, idempotency_key="killed-delivery")  # fmt: skip
            key = f"t{world.a.tenant.id}:killed-delivery"
        else:
            task_id = start_task(
                "test.mail", sample_jobs.mail_in_task, "anna@example.test", actor=world.a.admin
            ).id
            key = f"t{world.a.tenant.id}:mail-in-task-{task_id}"
        db.session.commit()
    [job_id] = queue.job_ids
    log = tmp_path / "worker.log"

    first = worker_process(app, log, "--burst")
    try:
        # The mail reached the server, which has not answered yet: kill the worker now.
        assert slow_smtp.wait_for(1) == 1, log.read_text()
        if task_id is not None:
            assert task_status(world.a, task_id) == TaskStatus.RUNNING
        kill_everything(first)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            kill_everything(first)
    registry = StartedJobRegistry(queue=queue)
    assert [entry.split(b":")[0].decode() for entry in queue.connection.zrange(registry.key, 0, -1)] == [
        job_id
    ]
    if task_id is not None:
        assert task_status(world.a, task_id) == TaskStatus.RUNNING  # nobody told the database

    # RQ finds a job abandoned once its worker's heartbeat is 60-90 s overdue; move
    # that moment to now instead of waiting for it.
    for entry in queue.connection.zrange(registry.key, 0, -1):
        queue.connection.zadd(registry.key, {entry: time.time() - 1})

    second = worker_process(app, log, "--burst")
    # A second message would reach the server (and wait there for its answer) at once.
    # (It runs the periodic jobs the first worker queued too; the machine may be busy.)
    wait_until(lambda: second.poll() is not None or len(slow_smtp.messages) > 1, timeout=240)
    if second.poll() is None:
        kill_everything(second)
    assert len(slow_smtp.messages) == 1, "sent a second time\n" + log.read_text()
    assert second.wait(timeout=10) == 0, log.read_text()

    job = Job.fetch(job_id, connection=queue.connection, serializer=SERIALIZER)
    assert job.get_status() == JobStatus.FINISHED, log.read_text()
    if task_id is None:
        assert job.return_value() == "duplicate"
    else:
        assert job.return_value() == {"message": "sent before", "sent": False}
        assert task_status(world.a, task_id) == TaskStatus.DONE  # not "running" for ever
        assert task_status(world.b, task_id) is None
    assert task_status(world.b, b_task) == TaskStatus.QUEUED  # tenant B's work is not touched
    slow_smtp.release.set()
    time.sleep(0.5)
    assert len(slow_smtp.messages) == 1  # the retry did not send it again
    assert [message["To"] for message in slow_smtp.messages] == ["anna@example.test"]
    assert db.session.scalars(select(SentMail.key)).all() == [key]
    assert "AbandonedJobError" in log.read_text() or "abandoned" in log.read_text()
