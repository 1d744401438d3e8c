"""Extra sign-up questions keep their keys through an edit: answers given before the
edit stay under the question they answered (in the attendee export too), a new question
gets a key never used before, and tenant B cannot edit or export A's event."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from kringwerk.extensions import db, utcnow
from kringwerk.tenancy import tenant_scope
from plugins.events import services, signup
from plugins.events.models import Audience, Event, Registration
from plugins.events.questions import keyed
from plugins.events.services import local
from tests.plugins.events.conftest import member


def test_keys_follow_the_wording_not_the_position():
    before = keyed([{"label": "Dieetwensen"}, {"label": "Bedrijf"}])
    after = keyed([{"label": "Parkeren?"}, {"label": " bedrijf "}, {"label": "Parkeren?"}], before)
    assert after[1]["key"] == before[1]["key"]  # same wording, other place: same key
    fresh = {after[0]["key"], after[2]["key"]}
    assert len(fresh) == 2 and not fresh & {q["key"] for q in before}  # new, and not the removed one's
    assert all(q["key"].isidentifier() for q in after)


def test_answers_stay_under_their_question_after_an_edit(events_world, login_as):
    a, b = events_world.a, events_world.b
    with tenant_scope(a.tenant):
        start = utcnow() + timedelta(days=10)
        event = services.create_event(
            {
                "title": "Netwerkavond",
                "starts_at": start,
                "ends_at": start + timedelta(hours=2),
                "audience": Audience.MEMBERS,
                "questions": [{"label": "Dieetwensen"}, {"label": "Bedrijf"}],
            },
            actor=a.admin,
        )
        services.publish_event(event, actor=a.admin)
        diet, company = (q["key"] for q in event.questions)
        signup.sign_up(event, member(a.member), answers={diet: "vegetarisch", company: "Acme BV"})
        event_id = event.id
        db.session.commit()

    admin = login_as(a.admin)
    edit = {
        "title": "Netwerkavond",
        "starts_at": local(start).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": local(start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "audience": "members",
        # Dieetwensen removed, Bedrijf moved down, a new first question.
        "questions": "Parkeren nodig?\nBedrijf",
    }
    assert admin.post(f"/kring-a/events/{event_id}/edit", data=edit).status_code == 303
    with tenant_scope(a.tenant):
        questions = db.session.get(Event, event_id).questions
        assert [q["label"] for q in questions] == ["Parkeren nodig?", "Bedrijf"]
        assert questions[1]["key"] == company and questions[0]["key"] not in (diet, company)
        answers = db.session.query(Registration).one().answers
        assert answers[company] == "Acme BV"

    exported = admin.get(f"/kring-a/events/{event_id}/attendees.csv").get_data(as_text=True)
    text = exported.lstrip("\ufeff")
    table = list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text.splitlines()[0] else ","))
    row = dict(zip(table[0], table[1], strict=True))
    assert row["Bedrijf"] == "Acme BV" and row["Parkeren nodig?"] == ""  # not the diet answer

    other = login_as(b.admin)
    assert other.post(f"/kring-a/events/{event_id}/edit", data=edit).status_code == 404
    assert other.get(f"/kring-a/events/{event_id}/attendees.csv").status_code == 404
