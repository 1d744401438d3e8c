"""Reminders: only to invited people who have not answered (per person, and per
company for one-response-per-company polls), a link of its own each time while
the earlier links keep working, by hand or scheduled (fired once by the periodic job); tenant B apart."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kringwerk.extensions import db, utcnow
from kringwerk.jobs.periodic import tick
from kringwerk.tenancy import tenant_scope
from plugins.polls import invitations
from plugins.polls.invitations import InvitationError
from plugins.polls.models import Poll, PollInvitation, PollResponse, ResponseStatus, ResponseUnit
from tests.conftest import base_config
from tests.members.support import audit_actions, page_text
from tests.plugins.polls.conftest import make_poll

LINK = re.compile(r"http://localhost(/kring-[ab]/polls/\d+/a/[A-Za-z0-9_-]+)")


@pytest.fixture
def app_config(request, tmp_path, database_url) -> dict:
    config = base_config(tmp_path, database_url)
    if "smtp_server" in request.fixturenames:
        config["SMTP_URL"] = request.getfixturevalue("smtp_server").url
    return config


def body(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text part")


def links(messages) -> dict[str, str]:
    return {m["To"]: LINK.search(body(m)).group(1) for m in messages}


def invite(side, poll_id, smtp_server, expected: int) -> dict[str, str]:
    """Send the invitations for real; returns each person's link."""
    with tenant_scope(side.tenant):
        invitations.start_sending(db.session.get(Poll, poll_id), actor=side.admin)
        db.session.commit()
    messages = smtp_server.wait_for(expected)
    assert len(messages) == expected
    smtp_server.clear()
    return links(messages)


def mark_responded(tenant, poll_id, *emails):
    with tenant_scope(tenant):
        for row in db.session.scalars(
            select(PollInvitation).where(PollInvitation.poll_id == poll_id, PollInvitation.email.in_(emails))
        ):
            row.responded_at = utcnow()
        db.session.commit()


def remind(side, poll_id):
    with tenant_scope(side.tenant):
        invitations.send_reminders(db.session.get(Poll, poll_id), actor=side.admin)
        db.session.commit()


def test_reminders_go_only_to_people_who_did_not_answer(client, polls_world, smtp_server):
    poll_id = make_poll(polls_world.a.tenant, response_unit=ResponseUnit.PERSON)
    first = invite(polls_world.a, poll_id, smtp_server, 6)
    mark_responded(polls_world.a.tenant, poll_id, "anna@alpha.test", "carla@chemie.test")
    remind(polls_world.a, poll_id)
    messages = smtp_server.wait_for(4)
    assert len(smtp_server.wait_for(5, timeout=0.3)) == 4
    # Per person: Arie is reminded although Anna of the same company answered.
    assert {m["To"] for m in messages} == {
        "arie@alpha.test",
        "bert@berends.test",
        "dirk@dewit.test",
        "eva@elektro.test",
    }
    assert all(m["Subject"].startswith("Reminder") or "Herinnering" in m["Subject"] for m in messages)
    assert audit_actions(polls_world.a.tenant)[-1] == "poll.reminders_sent"
    newest = links(messages)
    # The new link works, and the one in the invitation still does (a link works until the poll closes).
    assert newest["bert@berends.test"] != first["bert@berends.test"]
    assert client.get(newest["bert@berends.test"]).status_code == 200
    assert client.get(first["bert@berends.test"]).status_code == 200
    assert client.get(first["anna@alpha.test"]).status_code != 404  # not reminded: her link still works
    with tenant_scope(polls_world.a.tenant):
        rows = {
            r.email: r
            for r in db.session.scalars(select(PollInvitation).where(PollInvitation.poll_id == poll_id))
        }
    assert rows["bert@berends.test"].reminders_sent == 1 and rows["bert@berends.test"].reminded_at
    assert rows["anna@alpha.test"].reminders_sent == 0 and rows["anna@alpha.test"].reminded_at is None

    smtp_server.clear()
    remind(polls_world.a, poll_id)  # a second reminder is a new message (its own key)
    assert len(smtp_server.wait_for(4)) == 4
    with tenant_scope(polls_world.a.tenant):
        assert (
            db.session.scalar(
                select(PollInvitation.reminders_sent).where(PollInvitation.email == "bert@berends.test")
            )
            == 2
        )


@pytest.mark.both_databases  # EXISTS, DISTINCT counts and row-level security on PostgreSQL too
def test_one_response_per_company_spares_the_whole_company(polls_world, smtp_server):
    poll_id = make_poll(polls_world.a.tenant, response_unit=ResponseUnit.COMPANY)
    invite(polls_world.a, poll_id, smtp_server, 6)
    # Arie answered for Alpha (only his invitation marked); Chemie has a submitted
    # response although no invitation was marked: both companies are done.
    mark_responded(polls_world.a.tenant, poll_id, "arie@alpha.test")
    with tenant_scope(polls_world.a.tenant):
        db.session.add(
            PollResponse(
                poll_id=poll_id,
                company_id=polls_world.company_ids["Chemie Colmschate"],
                status=ResponseStatus.SUBMITTED,
                submitted_at=utcnow(),
            )
        )
        db.session.commit()
        recipients = set(
            db.session.scalars(
                select(PollInvitation.email).where(
                    PollInvitation.id.in_(invitations.reminder_recipients(db.session.get(Poll, poll_id)))
                )
            )
        )
    assert recipients == {"bert@berends.test", "dirk@dewit.test", "eva@elektro.test"}
    remind(polls_world.a, poll_id)
    assert {m["To"] for m in smtp_server.wait_for(3)} == recipients
    assert len(smtp_server.wait_for(4, timeout=0.3)) == 3


def test_reminders_are_refused_when_closed_or_nobody_is_left(polls_world, smtp_server):
    poll_id = make_poll(polls_world.a.tenant)
    with tenant_scope(polls_world.a.tenant):
        poll = db.session.get(Poll, poll_id)
        with pytest.raises(InvitationError, match="nobody to remind"):
            invitations.send_reminders(poll)  # nobody invited yet
        db.session.rollback()
    invite(polls_world.a, poll_id, smtp_server, 6)
    with tenant_scope(polls_world.a.tenant):
        poll = db.session.get(Poll, poll_id)
        poll.closes_at = utcnow() - timedelta(minutes=1)
        with pytest.raises(InvitationError, match="has ended"):
            invitations.send_reminders(poll)
        db.session.rollback()
    assert smtp_server.wait_for(1, timeout=0.3) == []


def test_schedule_rules(polls_world, poll_id):
    with tenant_scope(polls_world.a.tenant):
        poll = db.session.get(Poll, poll_id)
        for when, message in (
            (utcnow() - timedelta(hours=1), "in the future"),
            (poll.closes_at + timedelta(hours=1), "between the opening and the end"),
        ):
            with pytest.raises(InvitationError, match=message):
                invitations.schedule_reminder(poll, when)
        when = utcnow() + timedelta(days=2)
        invitations.schedule_reminder(poll, when, actor=polls_world.a.admin)
        db.session.commit()
        assert db.session.get(Poll, poll_id).reminder_at == when
        invitations.schedule_reminder(db.session.get(Poll, poll_id), None, actor=polls_world.a.admin)
        db.session.commit()
        assert db.session.get(Poll, poll_id).reminder_at is None


def test_a_scheduled_reminder_fires_once(app, polls_world, b_poll_id, smtp_server):
    poll_id = make_poll(polls_world.a.tenant)
    invite(polls_world.a, poll_id, smtp_server, 6)
    invite(polls_world.b, b_poll_id, smtp_server, 1)
    mark_responded(polls_world.a.tenant, poll_id, "dirk@dewit.test")
    with tenant_scope(polls_world.a.tenant):
        db.session.get(Poll, poll_id).reminder_at = utcnow() - timedelta(minutes=1)  # due
        db.session.commit()
    with tenant_scope(polls_world.b.tenant):
        db.session.get(Poll, b_poll_id).reminder_at = utcnow() + timedelta(days=1)  # not due
        db.session.commit()
    report = tick(app, ["polls.scheduled_reminders"])
    assert not report.failed
    messages = smtp_server.wait_for(5)
    assert {m["To"] for m in messages} == {
        "anna@alpha.test",
        "arie@alpha.test",
        "bert@berends.test",
        "carla@chemie.test",
        "eva@elektro.test",
    }
    with tenant_scope(polls_world.a.tenant):
        assert db.session.get(Poll, poll_id).reminder_at is None
    with tenant_scope(polls_world.b.tenant):
        assert db.session.get(Poll, b_poll_id).reminder_at is not None  # B's schedule untouched
    smtp_server.clear()
    tick(app, ["polls.scheduled_reminders"])  # runs again: nothing more
    assert smtp_server.wait_for(1, timeout=0.3) == []


def test_reminder_views(client, login_as, polls_world, poll_id, b_poll_id, smtp_server):
    base = f"/kring-a/polls/{poll_id}"
    login_as(polls_world.a.facilitator)
    refused = client.post(f"{base}/reminders/send")
    assert refused.status_code == 422 and "nobody to remind" in page_text(refused)
    response = client.post(f"{base}/invitations/send")
    assert response.status_code == 303 and "task=" in response.headers["Location"]
    assert len(smtp_server.wait_for(6)) == 6
    page = page_text(client.get(response.headers["Location"]))
    assert "6 invitations sent." in page  # the task's result shows on the page
    smtp_server.clear()
    assert client.post(f"{base}/reminders/send").status_code == 303
    assert len(smtp_server.wait_for(6)) == 6

    bad = client.post(f"{base}/reminders/schedule", data={"reminder_at": "2001-01-01T09:00"})
    assert bad.status_code == 422
    text = page_text(bad)
    assert "Choose a moment in the future." in text and 'value="2001-01-01T09:00"' in text
    assert client.post(f"{base}/reminders/schedule", data={"reminder_at": "soon"}).status_code == 422
    when = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(f"{base}/reminders/schedule", data={"reminder_at": when}).status_code == 303
    with tenant_scope(polls_world.a.tenant):
        assert db.session.get(Poll, poll_id).reminder_at is not None
    assert "A reminder is scheduled for" in page_text(client.get(f"{base}/audience"))
    assert client.post(f"{base}/reminders/schedule", data={"clear": "1"}).status_code == 303
    with tenant_scope(polls_world.a.tenant):
        assert db.session.get(Poll, poll_id).reminder_at is None
    # Tenant B's poll is out of reach from A's prefix.
    assert client.post(f"/kring-a/polls/{b_poll_id}/reminders/send").status_code == 404
    assert (
        client.post(f"/kring-a/polls/{b_poll_id}/reminders/schedule", data={"clear": "1"}).status_code == 404
    )
