"""Invitation mail that fails is never counted as sent: the task reports it and
the invitation stays unsent (sending again retries it). A CR/LF in a poll title
is refused by the form and, in a title that has one, cannot break the mail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kringwerk.extensions import db
from kringwerk.jobs.models import BackgroundTask, TaskStatus
from kringwerk.mail.models import SentMail
from kringwerk.tenancy import tenant_scope
from plugins.polls import invitations
from plugins.polls.models import Poll, PollInvitation
from tests.conftest import base_config
from tests.plugins.polls.conftest import make_poll
from tests.support.services import free_port

INJECTED = "A\r\nBcc: x@evil.test"


@pytest.fixture
def app_config(request, tmp_path, database_url) -> dict:
    config = base_config(tmp_path, database_url)
    if "smtp_server" in request.fixturenames:
        config["SMTP_URL"] = request.getfixturevalue("smtp_server").url
    return config


def send(side, poll_id) -> int:
    with tenant_scope(side.tenant):
        task = invitations.start_sending(db.session.get(Poll, poll_id), actor=side.admin)
        task_id = task.id
        db.session.commit()  # the job runs now (in-process)
    return task_id


def task_of(tenant, task_id) -> BackgroundTask:
    db.session.expire_all()
    with tenant_scope(tenant):
        return db.session.get(BackgroundTask, task_id)


def unsent(tenant, poll_id) -> int:
    with tenant_scope(tenant):
        return db.session.scalar(
            select(func.count(PollInvitation.id)).where(
                PollInvitation.poll_id == poll_id, PollInvitation.sent_at.is_(None)
            )
        )


def test_a_title_with_cr_lf_sends_correctly_headed_mail(polls_world, smtp_server, b_poll_id):
    poll_id = make_poll(polls_world.a.tenant, title=INJECTED)
    task_id = send(polls_world.a, poll_id)
    messages = smtp_server.wait_for(6)
    assert len(messages) == 6
    assert all(
        m["Bcc"] is None and "\n" not in m["Subject"] and "Bcc: x@evil.test" in m["Subject"] for m in messages
    )
    assert len(smtp_server.wait_for(7, timeout=0.3)) == 6  # nobody else (no hidden copy)
    task = task_of(polls_world.a.tenant, task_id)
    assert task.status == TaskStatus.DONE and "6 invitations sent" in task.message
    assert unsent(polls_world.a.tenant, poll_id) == 0
    assert unsent(polls_world.b.tenant, b_poll_id) == 0  # B's poll: nobody invited, nothing touched
    with tenant_scope(polls_world.b.tenant):
        assert db.session.get(Poll, poll_id) is None


def test_a_closed_smtp_port_counts_every_mail_as_failed_and_sending_again_retries(
    app, polls_world, smtp_server, b_poll_id
):
    poll_id = make_poll(polls_world.a.tenant)
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens
    task_id = send(polls_world.a, poll_id)
    task = task_of(polls_world.a.tenant, task_id)
    assert task.status == TaskStatus.FAILED
    assert (task.result["sent"], task.result["failed"]) == (0, 6)
    assert task.message.startswith("6 invitations could not be sent")
    assert unsent(polls_world.a.tenant, poll_id) == 6
    assert db.session.scalar(select(func.count(SentMail.id))) == 0

    app.config["SMTP_URL"] = smtp_server.url
    task_id = send(polls_world.a, poll_id)  # the same invitations, now delivered
    assert len(smtp_server.wait_for(6)) == 6
    task = task_of(polls_world.a.tenant, task_id)
    assert task.status == TaskStatus.DONE and task.result["sent"] == 6
    assert unsent(polls_world.a.tenant, poll_id) == 0
    with tenant_scope(polls_world.b.tenant):
        assert db.session.get(BackgroundTask, task_id) is None  # A's task is out of B's reach


def test_the_poll_form_refuses_a_title_with_a_line_break(polls_world, login_as):
    data = {
        "title": INJECTED,
        "introduction": "",
        "language": "nl",
        "opens_at": "2030-12-01T10:00",
        "closes_at": "2030-12-15T17:30",
        "response_unit": "company",
        "match_threshold": "",
    }
    response = login_as(polls_world.a.admin).post("/kring-a/polls/new", data=data)
    assert response.status_code == 422
    assert 'id="title-error"' in response.get_data(as_text=True)
    for side in (polls_world.a, polls_world.b):
        with tenant_scope(side.tenant):
            assert db.session.scalar(select(func.count(Poll.id)).where(Poll.title.contains("evil"))) == 0
