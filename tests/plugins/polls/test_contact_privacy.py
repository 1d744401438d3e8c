"""A contact person without an account (AVG): the polls plugin answers ``contact_export``
with their invitations and answers, also while it is disabled; removing the contact erases
them while the answers, the counts and the response rate stay, and the trail says what
happened with numbers only. Tenant B's polls and contacts are never touched."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.members import privacy
from kringwerk.members.models import ContactPerson
from kringwerk.members.services import delete_contact
from kringwerk.pluginhost.services import disable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.polls.models import Poll, PollAnswer, PollInvitation, PollResponse, ResponseUnit
from plugins.polls.rates import response_rate
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_answering import invite, questions, valid_values
from tests.plugins.polls.test_privacy import _submit


def _export(tenant, contact_id, actor):
    with tenant_scope(tenant):
        data = privacy.export_contact(tenant, db.session.get(ContactPerson, contact_id), actor=actor)
        db.session.commit()
    return [part for part in data["plugins"] if "poll_invitations" in part]


@pytest.mark.both_databases
def test_contact_export_lists_invitations_and_answers_even_when_disabled(polls_world, poll_id, b_poll_id):
    w = polls_world
    bert = w.contact_ids["bert@berends.test"]
    token = invite(w.a.tenant, poll_id, "bert@berends.test", w.company_ids["Bakkerij Berends"], bert)
    _submit(w.a.tenant, poll_id, token, valid_values(questions(w.a.tenant, poll_id)))
    invite(w.b.tenant, b_poll_id, "bram@bravo.test", w.b_company_id, w.b_contact_id)
    disable_plugin(w.a.tenant, "polls")  # its rows stay, and are still theirs
    db.session.commit()
    [polls] = _export(w.a.tenant, bert, w.a.admin)
    assert [i["email"] for i in polls["poll_invitations"]] == ["bert@berends.test"]
    [response] = polls["poll_responses"]
    assert response["status"] == "submitted" and response["answers"]
    # Another contact of A has nothing; B's contact export holds only B's invitation.
    assert _export(w.a.tenant, w.contact_ids["eva@elektro.test"], w.a.admin) == []
    [b_polls] = _export(w.b.tenant, w.b_contact_id, w.b.admin)
    assert [i["email"] for i in b_polls["poll_invitations"]] == ["bram@bravo.test"]
    assert b_polls["poll_responses"] == []


@pytest.mark.both_databases
def test_removing_a_contact_keeps_answers_and_rate_and_is_logged(polls_world, b_poll_id):
    w = polls_world
    answered_poll = make_poll(w.a.tenant, response_unit=ResponseUnit.PERSON)
    open_poll = make_poll(w.a.tenant, title="Nog open", response_unit=ResponseUnit.PERSON)
    bert = w.contact_ids["bert@berends.test"]
    bakery = w.company_ids["Bakkerij Berends"]
    token = invite(w.a.tenant, answered_poll, "bert@berends.test", bakery, bert)
    invite(
        w.a.tenant,
        answered_poll,
        "eva@elektro.test",
        w.company_ids["Elektro Eefde"],
        w.contact_ids["eva@elektro.test"],
    )
    _submit(w.a.tenant, answered_poll, token, valid_values(questions(w.a.tenant, answered_poll)))
    invite(w.a.tenant, open_poll, "bert@berends.test", bakery, bert)
    invite(w.b.tenant, b_poll_id, "bram@bravo.test", w.b_company_id, w.b_contact_id)
    with tenant_scope(w.a.tenant):
        rate_before = response_rate(db.session.get(Poll, answered_poll))
        answers_before = db.session.scalar(select(func.count(PollAnswer.id)))
        assert (rate_before.invited, rate_before.responded) == (2, 1)

        delete_contact(db.session.get(ContactPerson, bert), actor=w.a.admin)
        db.session.commit()

        rate = response_rate(db.session.get(Poll, answered_poll))
        assert (rate.invited, rate.responded) == (2, 1)  # the rate stays
        assert db.session.scalar(select(func.count(PollAnswer.id))) == answers_before
        assert (
            db.session.scalar(
                select(func.count(PollResponse.id)).where(PollResponse.contact_person_id == bert)
            )
            == 0
        )
        kept = db.session.scalars(select(PollInvitation).where(PollInvitation.poll_id == answered_poll)).all()
        emails = sorted(i.email for i in kept)
        assert "bert@berends.test" not in emails and emails[0].startswith("erased-")
        # The unanswered invitation of the open poll went: nobody can answer it any more.
        assert (
            db.session.scalars(select(PollInvitation).where(PollInvitation.poll_id == open_poll)).all() == []
        )
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "polls.contact_erased"))
        assert entry.details == {
            "responses_kept": 1,
            "drafts_deleted": 0,
            "invitations_deleted": 1,
            "invitations_kept": 1,
        }
        assert entry.target_label == f"#{bert}" and "Bert" not in str(entry.details)
    with tenant_scope(w.b.tenant):
        assert db.session.scalar(select(PollInvitation.email)) == "bram@bravo.test"
        assert (
            db.session.scalar(select(AuditEntry).where(AuditEntry.action == "polls.contact_erased")) is None
        )
