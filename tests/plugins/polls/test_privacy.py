"""The privacy hooks of the polls plugin (``plugins.polls.privacy``): a member's
export and erasure, and deleting a company or contact person that answered a
poll (the answers stay for the results, also with the plugin disabled)."""

from __future__ import annotations

from sqlalchemy import func, select

from kringwerk.accounts.models import Membership
from kringwerk.accounts.people import erase_member, export_member
from kringwerk.extensions import db
from kringwerk.members.models import Company, ContactPerson
from kringwerk.members.services import delete_company, delete_contact
from kringwerk.pluginhost.services import disable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.polls import answering
from plugins.polls.models import Poll, PollAnswer, PollInvitation, PollResponse, ResponseStatus, ResponseUnit
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_answering import invite, questions, valid_values


def _submit(tenant, poll_id, token, values):
    with tenant_scope(tenant):
        invitation = answering.find_invitation(poll_id, token)
        response = answering.response_for(invitation)
        assert answering.submit(response, invitation, values) is None
        db.session.commit()
        return response.id


def _link_user(tenant, contact_id, user):
    with tenant_scope(tenant):
        db.session.get(ContactPerson, contact_id).user_id = user.id
        db.session.commit()


def _membership(tenant, user):
    with tenant_scope(tenant):
        return db.session.scalar(select(Membership).where(Membership.user_id == user.id))


def _counts(tenant):
    with tenant_scope(tenant):
        return (
            db.session.scalar(select(func.count(PollResponse.id))),
            db.session.scalar(select(func.count(PollAnswer.id))),
            db.session.scalar(select(func.count(PollInvitation.id))),
        )


def test_member_export_lists_responses_and_invitations(polls_world, poll_id, b_poll_id):
    w = polls_world
    anna = w.contact_ids["anna@alpha.test"]
    _link_user(w.a.tenant, anna, w.a.member)
    token = invite(w.a.tenant, poll_id, "anna@alpha.test", w.company_ids["Alpha Bouw BV"], anna)
    q = questions(w.a.tenant, poll_id)
    _submit(w.a.tenant, poll_id, token, valid_values(q))
    data = export_member(w.a.tenant, _membership(w.a.tenant, w.a.member), actor=w.a.admin)
    [polls] = [part for part in data["plugins"] if "poll_responses" in part]
    [response] = polls["poll_responses"]
    assert response["poll"] == "Samenwerken op Aalsvoort" and response["status"] == "submitted"
    answered = {entry["question"]: entry["answer"] for entry in response["answers"]}
    assert answered["Wie is uw contactpersoon?"] == ["Anna de Vries"]
    assert polls["poll_invitations"][0]["email"] == "anna@alpha.test"
    # Tenant B's export of its own member holds nothing of tenant A's poll.
    invite(w.b.tenant, b_poll_id, "bram@bravo.test", w.b_company_id, w.b_contact_id)
    b_data = export_member(w.b.tenant, _membership(w.b.tenant, w.b.member), actor=w.b.admin)
    assert not [part for part in b_data["plugins"] if "poll_responses" in part]


def test_member_export_leaves_out_anonymous_responses(polls_world):
    w = polls_world
    poll_id = make_poll(w.a.tenant, anonymous=True)
    anna = w.contact_ids["anna@alpha.test"]
    _link_user(w.a.tenant, anna, w.a.member)
    token = invite(w.a.tenant, poll_id, "anna@alpha.test", w.company_ids["Alpha Bouw BV"], anna)
    _submit(w.a.tenant, poll_id, token, valid_values(questions(w.a.tenant, poll_id)))
    data = export_member(w.a.tenant, _membership(w.a.tenant, w.a.member), actor=w.a.admin)
    [polls] = [part for part in data["plugins"] if "poll_responses" in part]
    assert polls["poll_responses"] == []


def test_member_erase_cuts_ties_and_drops_open_invitations(polls_world, poll_id):
    w = polls_world
    anna = w.contact_ids["anna@alpha.test"]
    _link_user(w.a.tenant, anna, w.a.member)
    company = w.company_ids["Alpha Bouw BV"]
    token = invite(w.a.tenant, poll_id, "anna@alpha.test", company, anna)
    response_id = _submit(w.a.tenant, poll_id, token, valid_values(questions(w.a.tenant, poll_id)))
    other_poll = make_poll(w.a.tenant, title="Unanswered")
    invite(w.a.tenant, other_poll, "anna@alpha.test", company, anna)
    erase_member(w.a.tenant, _membership(w.a.tenant, w.a.member), actor=w.a.admin)
    db.session.commit()
    with tenant_scope(w.a.tenant):
        response = db.session.get(PollResponse, response_id)
        assert response.contact_person_id is None and response.status == ResponseStatus.SUBMITTED
        assert db.session.scalar(select(func.count(PollAnswer.id))) == 17  # answers stay
        invitations = db.session.scalars(select(PollInvitation)).all()
        assert [(i.poll_id, i.email, i.contact_person_id) for i in invitations] == [
            (poll_id, f"erased-{invitations[0].id}@invalid", None)
        ]
        assert invitations[0].responded_at is not None  # still counts for the response rate


def test_person_drafts_of_an_erased_member_are_deleted(polls_world, poll_id):
    w = polls_world
    with tenant_scope(w.a.tenant):
        db.session.get(Poll, poll_id).response_unit = ResponseUnit.PERSON
        db.session.commit()
    anna = w.contact_ids["anna@alpha.test"]
    _link_user(w.a.tenant, anna, w.a.member)
    token = invite(w.a.tenant, poll_id, "anna@alpha.test", w.company_ids["Alpha Bouw BV"], anna)
    with tenant_scope(w.a.tenant):
        answering.save_draft(
            answering.response_for(answering.find_invitation(poll_id, token)), {"q1": ["private"]}
        )
        db.session.commit()
    erase_member(w.a.tenant, _membership(w.a.tenant, w.a.member), actor=w.a.admin)
    db.session.commit()
    assert _counts(w.a.tenant) == (0, 0, 0)


def _company_with_response(w, poll_id, name="Alpha Bouw BV", email="anna@alpha.test"):
    token = invite(w.a.tenant, poll_id, email, w.company_ids[name], w.contact_ids[email])
    return _submit(w.a.tenant, poll_id, token, valid_values(questions(w.a.tenant, poll_id)))


def _delete_company(w, name):
    with tenant_scope(w.a.tenant):
        delete_company(db.session.get(Company, w.company_ids[name]), actor=w.a.admin)
        db.session.commit()


def test_deleting_a_company_keeps_its_answers(polls_world, poll_id, b_poll_id):
    w = polls_world
    response_id = _company_with_response(w, poll_id)
    # A draft of another company, and tenant B's response, for contrast.
    berends = invite(
        w.a.tenant,
        poll_id,
        "bert@berends.test",
        w.company_ids["Bakkerij Berends"],
        w.contact_ids["bert@berends.test"],
    )
    with tenant_scope(w.a.tenant):
        answering.save_draft(
            answering.response_for(answering.find_invitation(poll_id, berends)), {"q1": ["x"]}
        )
        db.session.commit()
    b_token = invite(w.b.tenant, b_poll_id, "bram@bravo.test", w.b_company_id, w.b_contact_id)
    _submit(w.b.tenant, b_poll_id, b_token, valid_values(questions(w.b.tenant, b_poll_id)))
    _delete_company(w, "Alpha Bouw BV")
    with tenant_scope(w.a.tenant):
        response = db.session.get(PollResponse, response_id)
        assert (response.company_id, response.contact_person_id) == (None, None)
        assert response.status == ResponseStatus.SUBMITTED
        assert (
            db.session.scalar(select(func.count(PollAnswer.id)).where(PollAnswer.response_id == response_id))
            == 17
        )
        assert db.session.scalar(select(func.count(PollResponse.id))) == 2  # Berends' draft untouched
        assert db.session.get(Company, w.company_ids["Alpha Bouw BV"]) is None
    with tenant_scope(w.b.tenant):
        [b_response] = db.session.scalars(select(PollResponse)).all()
        assert b_response.company_id == w.b_company_id  # tenant B untouched


def test_deleting_a_company_with_the_plugin_disabled(polls_world, poll_id):
    w = polls_world
    response_id = _company_with_response(w, poll_id, "Chemie Colmschate", "carla@chemie.test")
    disable_plugin(w.a.tenant, "polls")
    db.session.commit()
    _delete_company(w, "Chemie Colmschate")
    with tenant_scope(w.a.tenant):
        response = db.session.get(PollResponse, response_id)
        assert (response.company_id, response.contact_person_id) == (None, None)
        assert db.session.scalar(select(func.count(PollAnswer.id))) == 17


def test_deleting_a_company_drops_its_draft(polls_world, poll_id):
    w = polls_world
    token = invite(
        w.a.tenant,
        poll_id,
        "dirk@dewit.test",
        w.company_ids["Drukkerij De Wit"],
        w.contact_ids["dirk@dewit.test"],
    )
    with tenant_scope(w.a.tenant):
        answering.save_draft(answering.response_for(answering.find_invitation(poll_id, token)), {"q1": ["x"]})
        db.session.commit()
    _delete_company(w, "Drukkerij De Wit")
    assert _counts(w.a.tenant) == (0, 0, 0)


def test_deleting_a_contact_keeps_the_company_response(polls_world, poll_id):
    w = polls_world
    response_id = _company_with_response(w, poll_id, "Alpha Bouw BV", "arie@alpha.test")
    with tenant_scope(w.a.tenant):
        delete_contact(db.session.get(ContactPerson, w.contact_ids["arie@alpha.test"]), actor=w.a.admin)
        db.session.commit()
        response = db.session.get(PollResponse, response_id)
        assert response.contact_person_id is None
        assert response.company_id == w.company_ids["Alpha Bouw BV"]
        assert db.session.scalar(select(func.count(PollAnswer.id))) == 17
    with tenant_scope(w.b.tenant):
        assert db.session.scalar(select(func.count(PollResponse.id))) == 0
