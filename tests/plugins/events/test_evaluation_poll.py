"""After the event the polls plugin answers ``attendance_followups``: the attendee page
offers "Send an evaluation poll", whose POST to the polls plugin makes a draft poll with
three default questions for the attendees' contact persons, and shows it to the board.
Tenant B reaches neither the offer nor the endpoint for tenant A, and its contacts with
the same addresses stay out of A's audience."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kringwerk.extensions import db, utcnow
from kringwerk.members.models import Company, ContactPerson
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.events import signup
from plugins.events.models import Event, Registration
from plugins.polls.audience import audience_contacts
from plugins.polls.models import Poll, PollState, QuestionKind, ResponseUnit
from tests.plugins.events.conftest import make_event, member


def _contact(tenant, email: str) -> int:
    with tenant_scope(tenant):
        company = Company(name=f"Bedrijf {email}")
        company.contacts.append(ContactPerson(name=email.split("@")[0], email=email.upper()))
        db.session.add(company)
        db.session.flush()
        return company.contacts[0].id


@pytest.mark.both_databases
def test_an_evaluation_poll_for_the_people_who_came(events_world, login_as):
    a, b = events_world.a, events_world.b
    for side in (a, b):
        enable_plugin(side.tenant, "polls")
    db.session.commit()
    came = {
        a.member.email: _contact(a.tenant, a.member.email),
        a.admin.email: _contact(a.tenant, a.admin.email),
    }
    stayed_home = _contact(a.tenant, a.facilitator.email)
    b_namesake = _contact(b.tenant, a.member.email)  # tenant B knows the same address
    db.session.commit()
    event_id = make_event(a.tenant, title="Energiecafé", capacity=10)
    with tenant_scope(a.tenant):
        event = db.session.get(Event, event_id)
        for person in (a.member, a.admin, a.facilitator):
            signup.sign_up(event, member(person))
        event.starts_at, event.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
        for registration in db.session.query(Registration).filter(Registration.user_id != a.facilitator.id):
            registration.checked_in_at = utcnow() - timedelta(hours=2)
        db.session.commit()

    admin = login_as(a.admin)
    page = admin.get(f"/kring-a/events/{event_id}/attendees").get_data(as_text=True)
    assert "Send an evaluation poll" in page
    form = page[page.index('action="/kring-a/polls/from-attendance"') :].split("</form>")[0]
    fields = dict(re.findall(r'name="(event_id|title|source_url)" value="([^"]*)"', form))
    emails = re.findall(r'name="emails" value="([^"]+)"', form)
    response = admin.post("/kring-a/polls/from-attendance", data={**fields, "emails": emails})
    assert response.status_code == 303
    poll_id = int(re.search(r"/kring-a/polls/(\d+)/", response.headers["Location"]).group(1))
    assert "Evaluation: Energiecafé" in admin.get(response.headers["Location"]).get_data(as_text=True)

    with tenant_scope(a.tenant):
        poll = db.session.get(Poll, poll_id)
        assert poll.title == "Evaluation: Energiecafé" and poll.state == PollState.DRAFT
        assert poll.response_unit == ResponseUnit.PERSON
        assert [question.kind for question in poll.questions] == [
            QuestionKind.SCALE,
            QuestionKind.LONG_TEXT,
            QuestionKind.SINGLE_CHOICE,
        ]
        assert [option.label for option in poll.questions[2].options] == ["Yes", "No"]
        audience = {row.contact_person_id for row in db.session.execute(audience_contacts(poll))}
        assert audience == set(came.values())  # not the facilitator, who stayed home
        assert stayed_home not in audience and b_namesake not in audience

    # Saving the audience form (which has no field for named people) keeps them.
    assert admin.post(f"/kring-a/polls/{poll_id}/audience", data={"audience": "all"}).status_code == 303
    with tenant_scope(a.tenant):
        poll = db.session.get(Poll, poll_id)
        assert {row.contact_person_id for row in db.session.execute(audience_contacts(poll))} == set(
            came.values()
        )

    # Tenant B: no offer on A's event, no poll through A's endpoint, none of A's contacts via its own.
    other = login_as(b.admin)
    assert other.get(f"/kring-a/events/{event_id}/attendees").status_code == 404
    assert other.post("/kring-a/polls/from-attendance", data={"emails": emails}).status_code in (403, 404)
    assert (
        other.post(
            "/kring-b/polls/from-attendance", data={"title": "Energiecafé", "emails": emails}
        ).status_code
        == 303
    )
    with tenant_scope(b.tenant):
        b_poll = db.session.scalar(select(Poll))
        reached = {row.contact_person_id for row in db.session.execute(audience_contacts(b_poll))}
        assert reached == {b_namesake}
    with tenant_scope(a.tenant):
        assert db.session.scalar(select(db.func.count(Poll.id))) == 1


def test_no_attendees_known_as_contacts_means_nobody_not_everyone(events_world, login_as):
    a = events_world.a
    enable_plugin(a.tenant, "polls")
    db.session.commit()
    everyone_else = _contact(a.tenant, "iemand@bedrijf.example")
    db.session.commit()
    response = login_as(a.admin).post(
        "/kring-a/polls/from-attendance", data={"title": "Borrel", "emails": ["gast@elders.example"]}
    )
    assert response.status_code == 303
    with tenant_scope(a.tenant):
        poll = db.session.scalar(select(Poll))
        assert list(db.session.execute(audience_contacts(poll))) == []
        assert everyone_else  # a contact exists, and still is not in the audience
