"""Poll answer links go through the token service: the invitation's link and a
reminder's link both keep working (a link works until the poll closes), in their
own tenant only, and a deleted invitation takes its links along."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kringwerk.extensions import db
from kringwerk.members.models import Company
from kringwerk.tenancy import tenant_scope
from kringwerk.tokens.models import PersonalToken
from kringwerk.tokens.services import live_tokens, resolve
from plugins.polls import answering, services
from plugins.polls.models import ANSWER_LINK, Poll, PollInvitation, ResponseUnit
from plugins.polls.privacy import company_removed
from tests.plugins.polls.conftest import b_poll_id, make_poll, poll_id, polls_world  # noqa: F401 - fixtures
from tests.plugins.polls.test_reminders import app_config, invite, links, remind  # noqa: F401 - fixture


def invitation_of(tenant, poll_id, email) -> PollInvitation:  # noqa: F811 - not the fixture
    with tenant_scope(tenant):
        return db.session.scalar(
            select(PollInvitation).where(PollInvitation.poll_id == poll_id, PollInvitation.email == email)
        )


def token_count(tenant) -> int:
    with tenant_scope(tenant):
        return db.session.scalar(
            select(func.count(PersonalToken.id)).where(PersonalToken.purpose == ANSWER_LINK)
        )


@pytest.mark.both_databases
def test_after_a_reminder_the_first_link_still_works(client, polls_world, smtp_server):  # noqa: F811
    a, b = polls_world.a, polls_world.b
    poll_id = make_poll(a.tenant, response_unit=ResponseUnit.PERSON)  # noqa: F811
    b_poll = make_poll(b.tenant, title="Poll of tenant B")
    first = invite(a, poll_id, smtp_server, 6)
    invite(b, b_poll, smtp_server, 1)
    remind(a, poll_id)
    newest = links(smtp_server.wait_for(6))
    assert set(newest) == set(first)

    bert = first["bert@berends.test"]
    assert newest["bert@berends.test"] != bert
    for path in (bert, newest["bert@berends.test"]):
        assert client.get(path).status_code == 200
        assert client.get(path.replace("/kring-a/", "/kring-b/", 1)).status_code == 404  # B's prefix
    invitation = invitation_of(a.tenant, poll_id, "bert@berends.test")
    with tenant_scope(a.tenant):
        assert len(live_tokens(ANSWER_LINK, invitation.id)) == 2
        raw = bert.rsplit("/", 1)[1]
        assert answering.find_invitation(poll_id, raw).id == invitation.id
        assert answering.find_invitation(b_poll, raw) is None
    with tenant_scope(b.tenant):
        assert resolve(ANSWER_LINK, raw) is None and answering.find_invitation(poll_id, raw) is None
    assert token_count(b.tenant) == 1


@pytest.mark.both_databases
def test_deleting_a_poll_or_a_company_deletes_its_links(polls_world, poll_id, b_poll_id, smtp_server):  # noqa: F811
    a, b = polls_world.a, polls_world.b
    sent = invite(a, poll_id, smtp_server, 6)
    invite(b, b_poll_id, smtp_server, 1)
    alpha = polls_world.company_ids["Alpha Bouw BV"]
    with tenant_scope(a.tenant):
        company_removed(tenant=a.tenant, company=db.session.get(Company, alpha))
        db.session.commit()
        raw = sent["anna@alpha.test"].rsplit("/", 1)[1]
        assert resolve(ANSWER_LINK, raw) is None
    assert token_count(a.tenant) == 4  # Alpha's two contacts went

    with tenant_scope(a.tenant):
        services.delete_poll(db.session.get(Poll, poll_id), actor=a.admin)
        db.session.commit()
    assert token_count(a.tenant) == 0
    assert token_count(b.tenant) == 1  # tenant B's link stays
