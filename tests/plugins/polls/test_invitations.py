"""Invitations: one per person in the audience (idempotent), sent by a background
job with progress, real mail through SMTP with a personal link whose token is
stored only as its hash; sending only while the poll is open; tenant B apart."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.jobs.models import BackgroundTask, TaskStatus
from kringwerk.members import panel
from kringwerk.members.models import ContactPerson
from kringwerk.tenancy import tenant_scope
from kringwerk.tokens.primitives import hash_token
from kringwerk.tokens.services import live_tokens
from plugins.polls import invitations
from plugins.polls.invitations import InvitationError
from plugins.polls.models import ANSWER_LINK, AudienceKind, Poll, PollInvitation, PollState
from tests.conftest import base_config
from tests.members.support import audit_actions
from tests.plugins.polls.conftest import make_poll

EMAILS_A = {
    "anna@alpha.test",
    "arie@alpha.test",
    "bert@berends.test",
    "carla@chemie.test",
    "dirk@dewit.test",
    "eva@elektro.test",
}
LINK = re.compile(r"http://localhost(/kring-[ab]/polls/(\d+)/a/([A-Za-z0-9_-]+))")


@pytest.fixture
def app_config(request, tmp_path, database_url) -> dict:
    config = base_config(tmp_path, database_url)
    if "smtp_server" in request.fixturenames:
        config["SMTP_URL"] = request.getfixturevalue("smtp_server").url
    return config


def text_part(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text part")


def invitation_rows(tenant, poll_id):
    with tenant_scope(tenant):
        return {
            row.email: row
            for row in db.session.scalars(select(PollInvitation).where(PollInvitation.poll_id == poll_id))
        }


def link_hashes(tenant, invitation_id) -> list[str]:
    """The stored hashes of the invitation's live answer links."""
    with tenant_scope(tenant):
        return [token.token_hash for token in live_tokens(ANSWER_LINK, invitation_id)]


def send(side, poll_id):
    with tenant_scope(side.tenant):
        task = invitations.start_sending(db.session.get(Poll, poll_id), actor=side.admin)
        task_id = task.id
        db.session.commit()  # the job runs now (in-process), in the tenant's own scope
    return task_id


def test_create_invitations_is_idempotent_and_covers_only_people_with_an_address(polls_world, poll_id):
    with tenant_scope(polls_world.a.tenant):
        poll = db.session.get(Poll, poll_id)
        assert invitations.create_invitations(poll) == 6
        assert invitations.create_invitations(poll) == 0  # again: nobody new
        db.session.commit()
    rows = invitation_rows(polls_world.a.tenant, poll_id)
    assert set(rows) == EMAILS_A  # Fietsen Freriks has no contact
    assert {row.locale for row in rows.values()} == {"nl"}
    assert all(row.sent_at is None and not link_hashes(polls_world.a.tenant, row.id) for row in rows.values())
    anna = rows["anna@alpha.test"]
    assert anna.company_id == polls_world.company_ids["Alpha Bouw BV"]
    assert anna.contact_person_id == polls_world.contact_ids["anna@alpha.test"]


def test_changing_the_audience_later_invites_only_new_people(polls_world, poll_id):
    with tenant_scope(polls_world.a.tenant):
        poll = db.session.get(Poll, poll_id)
        poll.audience_filter = {"park_ids": [polls_world.park_ids["De Wieken"]]}
        assert invitations.create_invitations(poll) == 2  # dirk, eva
        poll.audience_filter = {}
        assert invitations.create_invitations(poll) == 4
        db.session.commit()
    assert set(invitation_rows(polls_world.a.tenant, poll_id)) == EMAILS_A


def test_sending_is_refused_unless_the_poll_is_open(polls_world):
    draft = make_poll(polls_world.a.tenant, state=PollState.DRAFT)
    with tenant_scope(polls_world.a.tenant), pytest.raises(InvitationError, match="Open the poll first"):
        invitations.start_sending(db.session.get(Poll, draft), actor=polls_world.a.admin)
    db.session.rollback()
    assert invitation_rows(polls_world.a.tenant, draft) == {}


@pytest.mark.both_databases  # EXISTS, DISTINCT counts and row-level security on PostgreSQL too
def test_job_mails_personal_links_stored_only_as_hashes(
    app, client, polls_world, poll_id, b_poll_id, smtp_server
):
    task_id = send(polls_world.a, poll_id)
    messages = smtp_server.wait_for(6)
    assert len(messages) == 6
    assert {m["To"] for m in messages} == EMAILS_A
    with tenant_scope(polls_world.a.tenant):
        task = db.session.get(BackgroundTask, task_id)
        assert task.status == TaskStatus.DONE and task.total == 6 and task.done == 6
        assert "6 invitations sent" in task.message
    assert audit_actions(polls_world.a.tenant)[-1] == "poll.invitations_sent"
    rows = invitation_rows(polls_world.a.tenant, poll_id)
    anna_mail = next(m for m in messages if m["To"] == "anna@alpha.test")
    body = text_part(anna_mail)
    assert "Samenwerken op Aalsvoort" in anna_mail["Subject"]
    assert "Wat wilt u samen met andere ondernemers aanpakken?" in body
    path, linked_poll, raw = LINK.search(body).groups()
    assert int(linked_poll) == poll_id
    anna = rows["anna@alpha.test"]
    assert anna.sent_at is not None
    assert link_hashes(polls_world.a.tenant, anna.id) == [hash_token(raw)]  # only the hash is kept
    assert "leave the panel" not in body.lower()  # anna is not on the panel
    # Every mail has its own token.
    assert len({LINK.search(text_part(m)).group(3) for m in messages}) == 6

    assert client.get(path).status_code == 200
    # The same token opens nothing else: another poll of A, tenant B's poll, B's prefix.
    other = make_poll(polls_world.a.tenant, title="Another poll")
    assert client.get(f"/kring-a/polls/{other}/a/{raw}").status_code == 404
    assert client.get(f"/kring-b/polls/{b_poll_id}/a/{raw}").status_code == 404
    assert client.get(f"/kring-b/polls/{poll_id}/a/{raw}").status_code == 404


def test_sending_again_sends_nothing_twice(polls_world, poll_id, smtp_server):
    send(polls_world.a, poll_id)
    assert len(smtp_server.wait_for(6)) == 6
    with tenant_scope(polls_world.a.tenant), pytest.raises(InvitationError, match="invited already"):
        invitations.start_sending(db.session.get(Poll, poll_id), actor=polls_world.a.admin)
    db.session.rollback()
    assert len(smtp_server.wait_for(7, timeout=0.3)) == 6


def test_panel_members_get_the_opt_out_link(client, polls_world, smtp_server):
    poll_id = make_poll(polls_world.a.tenant, audience=AudienceKind.PANEL)
    with tenant_scope(polls_world.a.tenant):
        db.session.get(Poll, poll_id).language = "en"  # English mail, so the text reads as asserted
        panel.join(db.session.get(ContactPerson, polls_world.contact_ids["bert@berends.test"]))
        db.session.commit()
    send(polls_world.a, poll_id)
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "bert@berends.test"
    body = text_part(message)
    assert "Leave the panel with one click" in body
    # The core's leave link: opening it asks, confirming it leaves.
    opt_out = re.search(r"http://localhost(/kring-a/panel/leave/\S+)", body).group(1)
    assert "Leave the entrepreneurs' panel" in client.get(opt_out).get_data(as_text=True)
    assert "You have left the entrepreneurs' panel" in client.post(opt_out).get_data(as_text=True)


def test_tenant_b_invites_only_its_own_people(polls_world, poll_id, b_poll_id, smtp_server):
    send(polls_world.b, b_poll_id)
    assert [m["To"] for m in smtp_server.wait_for(2, timeout=1)] == ["bram@bravo.test"]
    assert set(invitation_rows(polls_world.b.tenant, b_poll_id)) == {"bram@bravo.test"}
    assert invitation_rows(polls_world.a.tenant, poll_id) == {}
    # A's poll is invisible from B's scope: it cannot be sent from there.
    with tenant_scope(polls_world.b.tenant):
        assert db.session.get(Poll, poll_id) is None
