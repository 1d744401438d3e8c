"""The polls plugin's jobs: its periodic jobs come through the hook, polls close
themselves at their end time (per tenant, only where the plugin is on, audited
as automatic), and the sending jobs cope with a poll that is gone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db, utcnow
from kringwerk.jobs.models import BackgroundTask, TaskStatus
from kringwerk.jobs.periodic import all_periodic_jobs, tick
from kringwerk.jobs.services import create_task
from kringwerk.pluginhost.services import disable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.polls import invitations, jobs
from plugins.polls.models import Poll, PollState
from tests.plugins.polls.conftest import make_poll


def state_of(tenant, poll_id):
    with tenant_scope(tenant):
        poll = db.session.get(Poll, poll_id)
        return poll.state, poll.closed_at


def test_periodic_jobs_are_declared_through_the_hook(app):
    declared = {job.name: job for job in all_periodic_jobs(app)}
    close, remind = declared["polls.close_due"], declared["polls.scheduled_reminders"]
    assert close.func is jobs.close_due_polls_job and remind.func is jobs.scheduled_reminders_job
    assert close.plugin == remind.plugin == "polls"
    assert close.interval == remind.interval == timedelta(minutes=5)


def test_polls_close_themselves_at_their_end_time(app, polls_world):
    past = utcnow() - timedelta(minutes=1)
    ended = make_poll(polls_world.a.tenant, title="Ended", closes_at=past)
    running = make_poll(polls_world.a.tenant, title="Running")
    draft = make_poll(polls_world.a.tenant, title="Draft", state=PollState.DRAFT, closes_at=past)
    b_ended = make_poll(polls_world.b.tenant, title="B ended", closes_at=past)

    report = tick(app, ["polls.close_due"])
    assert not report.failed and len(report.ran) == 2  # both tenants have the plugin

    state, closed_at = state_of(polls_world.a.tenant, ended)
    assert state == PollState.CLOSED and closed_at is not None
    assert state_of(polls_world.a.tenant, running) == (PollState.OPEN, None)
    assert state_of(polls_world.a.tenant, draft) == (PollState.DRAFT, None)  # never opened: left alone
    assert state_of(polls_world.b.tenant, b_ended)[0] == PollState.CLOSED
    with tenant_scope(polls_world.a.tenant):
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "poll.closed")).all()
    assert [(e.target_id, e.actor_id, e.details) for e in entries] == [(ended, None, {"automatic": True})]

    tick(app, ["polls.close_due"])  # again: nothing more happens
    with tenant_scope(polls_world.a.tenant):
        assert (
            db.session.scalar(select(db.func.count(AuditEntry.id)).where(AuditEntry.action == "poll.closed"))
            == 1
        )


def test_a_tenant_without_the_plugin_is_left_alone(app, polls_world):
    past = utcnow() - timedelta(minutes=1)
    a_ended = make_poll(polls_world.a.tenant, closes_at=past)
    b_ended = make_poll(polls_world.b.tenant, closes_at=past)
    disable_plugin(polls_world.b.tenant, "polls")
    db.session.commit()
    tick(app, ["polls.close_due"])
    assert state_of(polls_world.a.tenant, a_ended)[0] == PollState.CLOSED
    assert state_of(polls_world.b.tenant, b_ended)[0] == PollState.OPEN


def test_close_due_polls_clears_a_pending_reminder(polls_world):
    poll_id = make_poll(polls_world.a.tenant, closes_at=utcnow() - timedelta(seconds=1))
    with tenant_scope(polls_world.a.tenant):
        db.session.get(Poll, poll_id).reminder_at = utcnow() - timedelta(hours=1)
        assert invitations.close_due_polls() == 1
        db.session.commit()
        poll = db.session.get(Poll, poll_id)
        assert poll.state == PollState.CLOSED and poll.reminder_at is None


def test_sending_jobs_fail_their_task_when_the_poll_is_gone(polls_world):
    with tenant_scope(polls_world.a.tenant):
        task = create_task("polls.invitations")
        db.session.commit()
        assert jobs.send_invitations(999999, task_id=task.id) == {"sent": 0}
        assert jobs.send_reminder_mails(999999, utcnow().isoformat()) == {"sent": 0}
        db.session.commit()
        assert db.session.get(BackgroundTask, task.id).status == TaskStatus.FAILED


def test_a_job_for_tenant_a_finds_nothing_of_tenant_b(polls_world, b_poll_id):
    with tenant_scope(polls_world.a.tenant):
        # B's poll id under A's scope: the job sees no poll and sends nothing.
        assert jobs.send_invitations(b_poll_id) == {"sent": 0}
