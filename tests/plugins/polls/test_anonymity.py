"""Anonymous polls: after submission no stored column leads from the answers to
the company or person (no ids, no draft, no exact times), while the response
still counts (``responded_at``) and the link shows only that it was received."""

from __future__ import annotations

from sqlalchemy import func, select

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.polls import answering, sealing
from plugins.polls.models import (
    Poll,
    PollAnswer,
    PollInvitation,
    PollResponse,
    PollSealedResponse,
    ResponseStatus,
)
from tests.members.support import page_text
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_answering import invite, questions, valid_values


def _anonymous_poll(tenant) -> int:
    poll_id = make_poll(tenant, anonymous=True)
    with tenant_scope(tenant):
        db.session.get(Poll, poll_id).language = "en"
        db.session.commit()
    return poll_id


def _row(obj) -> dict:
    return {column.key: getattr(obj, column.key) for column in obj.__table__.columns}


def test_submission_cuts_every_tie(client, polls_world, b_poll_id):
    w = polls_world
    poll_id = _anonymous_poll(w.a.tenant)
    company, contact = w.company_ids["Alpha Bouw BV"], w.contact_ids["anna@alpha.test"]
    token = invite(w.a.tenant, poll_id, "anna@alpha.test", company, contact)
    url = f"/{w.a.tenant.slug}/polls/{poll_id}/a/{token}"
    q = questions(w.a.tenant, poll_id)
    # A draft first: while in progress the response is tied to the company.
    client.post(url, data={f"q{q.short}": "Anna", "save": "1"})
    with tenant_scope(w.a.tenant):
        [draft] = db.session.scalars(select(PollResponse)).all()
        assert draft.company_id == company and draft.draft
        db.session.commit()  # end the test's read, so the rows reload after the request
    assert client.post(url, data={**valid_values(q).to_dict(flat=False), "submit": "1"}).status_code == 303
    with tenant_scope(w.a.tenant):
        # The draft is gone; the answers wait sealed, with nothing but the poll and the day.
        assert db.session.scalar(select(func.count(PollResponse.id))) == 0
        [sealed] = db.session.scalars(select(PollSealedResponse)).all()
        assert set(_row(sealed)) == {"id", "tenant_id", "poll_id", "day", "atoms"}
        assert (sealed.day.hour, sealed.day.minute, sealed.day.second) == (0, 0, 0)
        sealing.release(db.session.get(Poll, poll_id))
        db.session.commit()
        [response] = db.session.scalars(select(PollResponse)).all()
        row = _row(response)
        assert row["status"] == ResponseStatus.SUBMITTED
        assert row["company_id"] is None and row["contact_person_id"] is None
        assert row["draft"] == {}
        # No exact time that could be matched with the invitation's.
        for name in ("submitted_at", "updated_at", "started_at"):
            moment = row[name]
            assert (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0), name
        # The answers carry no tie either: only poll, response, question and values.
        for answer in db.session.scalars(select(PollAnswer)):
            assert answer.response_id == response.id
            assert set(_row(answer)) == {
                "id",
                "tenant_id",
                "poll_id",
                "response_id",
                "question_id",
                "option_id",
                "value_number",
                "value_text",
            }
        invitation = db.session.scalar(select(PollInvitation))
        assert invitation.responded_at is not None  # the response rate still counts it
        assert db.session.scalar(select(func.count(PollAnswer.id))) == 17
        # Nothing in the response's row equals the company's or the contact's id by name.
        assert not {
            k for k, v in row.items() if k.endswith(("company_id", "contact_person_id")) and v is not None
        }
    html = page_text(client.get(url))
    assert "Thank you! Your response was received." in html
    assert "cannot be shown here" in html and "Anna de Vries" not in html
    # Reusing the link does not start a new (tied) draft.
    client.post(url, data={f"q{q.short}": "again", "save": "1"})
    client.post(url + "/draft", data={f"q{q.short}": "again"}, headers={"HX-Request": "true"})
    with tenant_scope(w.a.tenant):
        assert db.session.scalar(select(func.count(PollResponse.id))) == 1
    with tenant_scope(w.b.tenant):
        assert db.session.scalar(select(func.count(PollResponse.id))) == 0


def test_company_colleague_sees_the_receipt_not_a_new_form(client, polls_world):
    w = polls_world
    poll_id = _anonymous_poll(w.a.tenant)
    company = w.company_ids["Alpha Bouw BV"]
    anna = invite(w.a.tenant, poll_id, "anna@alpha.test", company, w.contact_ids["anna@alpha.test"])
    arie = invite(w.a.tenant, poll_id, "arie@alpha.test", company, w.contact_ids["arie@alpha.test"])
    q = questions(w.a.tenant, poll_id)
    with tenant_scope(w.a.tenant):
        invitation = answering.find_invitation(poll_id, anna)
        assert answering.submit(answering.response_for(invitation), invitation, valid_values(q)) is None
        db.session.commit()
    response = client.get(f"/{w.a.tenant.slug}/polls/{poll_id}/a/{arie}")
    assert response.status_code == 200 and "Thank you!" in page_text(response)
    with tenant_scope(w.a.tenant):
        assert db.session.scalar(select(func.count(PollResponse.id))) == 0
        assert db.session.scalar(select(func.count(PollSealedResponse.id))) == 1


def test_record_response_in_an_anonymous_poll_keeps_no_tie(polls_world):
    w = polls_world
    poll_id = _anonymous_poll(w.a.tenant)
    q = questions(w.a.tenant, poll_id)
    company = w.company_ids["Bakkerij Berends"]
    token = invite(w.a.tenant, poll_id, "bert@berends.test", company, w.contact_ids["bert@berends.test"])
    with tenant_scope(w.a.tenant):
        response = answering.record_response(
            db.session.get(Poll, poll_id), valid_values(q), company_id=company
        )
        assert (response.company_id, response.contact_person_id) == (None, None)
        assert answering.find_invitation(poll_id, token).responded_at is not None
