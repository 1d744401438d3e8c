"""A member's personal-data export holds nothing of anonymous polls that ties them
to an answer or a time: no draft (what they typed), no time they responded. Named
polls still show both; another tenant's export holds none of it."""

from __future__ import annotations

import json

from sqlalchemy import select

from kringwerk.accounts.models import Membership
from kringwerk.accounts.people import export_member
from kringwerk.extensions import db
from kringwerk.members.models import Company, ContactPerson
from kringwerk.members.services import delete_company, delete_contact
from kringwerk.tenancy import tenant_scope
from plugins.polls import answering
from plugins.polls.models import PollResponse, ResponseUnit
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_answering import invite, questions, valid_values

TYPED = "Wat ik alleen anoniem zeg"


def _export(tenant, user, actor):
    with tenant_scope(tenant):
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    data = export_member(tenant, membership, actor=actor)
    return [part for part in data["plugins"] if "poll_invitations" in part]


def test_export_holds_no_anonymous_draft_and_no_time_of_an_anonymous_response(polls_world):
    w = polls_world
    anna = w.contact_ids["anna@alpha.test"]
    company = w.company_ids["Alpha Bouw BV"]
    with tenant_scope(w.a.tenant):
        db.session.get(ContactPerson, anna).user_id = w.a.member.id
        db.session.commit()
    answered = make_poll(w.a.tenant, title="Anonymous answered", anonymous=True)
    drafting = make_poll(w.a.tenant, title="Anonymous in progress", anonymous=True)
    named = make_poll(w.a.tenant, title="Named answered")
    for poll_id in (answered, named):
        token = invite(w.a.tenant, poll_id, "anna@alpha.test", company, anna)
        with tenant_scope(w.a.tenant):
            invitation = answering.find_invitation(poll_id, token)
            values = valid_values(questions(w.a.tenant, poll_id))
            assert answering.submit(answering.response_for(invitation), invitation, values) is None
            db.session.commit()
    token = invite(w.a.tenant, drafting, "anna@alpha.test", company, anna)
    q = questions(w.a.tenant, drafting)
    with tenant_scope(w.a.tenant):
        invitation = answering.find_invitation(drafting, token)
        answering.save_draft(answering.response_for(invitation), {f"q{q.long}": [TYPED]})
        db.session.commit()

    [polls] = _export(w.a.tenant, w.a.member, w.a.admin)
    text = json.dumps(polls)
    assert TYPED not in text
    invitations = {row["poll"]: row for row in polls["poll_invitations"]}
    assert set(invitations) == {"Anonymous answered", "Anonymous in progress", "Named answered"}
    for title in ("Anonymous answered", "Anonymous in progress"):
        assert invitations[title]["responded_at"] is None  # not even the day
        assert invitations[title]["anonymous"] is True
    assert invitations["Named answered"]["responded_at"] is not None
    assert [row["poll"] for row in polls["poll_responses"]] == ["Named answered"]
    # Tenant B's member export holds nothing of tenant A's polls.
    assert not any("Anonymous" in json.dumps(part) for part in _export(w.b.tenant, w.b.member, w.b.admin))


def _submitted(w, poll_id, email, company_name):
    token = invite(w.a.tenant, poll_id, email, w.company_ids[company_name], w.contact_ids[email])
    with tenant_scope(w.a.tenant):
        invitation = answering.find_invitation(poll_id, token)
        response = answering.response_for(invitation)
        assert answering.submit(response, invitation, valid_values(questions(w.a.tenant, poll_id))) is None
        db.session.commit()
        return response.id


def test_removing_a_person_or_company_clears_the_owner_of_their_responses(polls_world, b_poll_id):
    """The owner key names the person or company like the id columns, so it goes with them."""
    w = polls_world
    per_person = make_poll(w.a.tenant, title="Per person", response_unit=ResponseUnit.PERSON)
    per_company = make_poll(w.a.tenant, title="Per company")
    person_response = _submitted(w, per_person, "arie@alpha.test", "Alpha Bouw BV")
    company_response = _submitted(w, per_company, "arie@alpha.test", "Alpha Bouw BV")
    b_token = invite(w.b.tenant, b_poll_id, "bram@bravo.test", w.b_company_id, w.b_contact_id)
    with tenant_scope(w.b.tenant):
        invitation = answering.find_invitation(b_poll_id, b_token)
        answering.save_draft(answering.response_for(invitation), {"q1": ["x"]})
        db.session.commit()
    with tenant_scope(w.a.tenant):
        delete_contact(db.session.get(ContactPerson, w.contact_ids["arie@alpha.test"]), actor=w.a.admin)
        db.session.commit()
        assert db.session.get(PollResponse, person_response).owner is None
        company = f"company:{w.company_ids['Alpha Bouw BV']}"
        assert db.session.get(PollResponse, company_response).owner == company  # still the company's
        delete_company(db.session.get(Company, w.company_ids["Alpha Bouw BV"]), actor=w.a.admin)
        db.session.commit()
        assert db.session.get(PollResponse, company_response).owner is None
    with tenant_scope(w.b.tenant):  # tenant B's draft keeps its owner
        [draft] = db.session.scalars(select(PollResponse)).all()
        assert draft.owner == f"company:{w.b_company_id}"
