"""The rules of answering, without HTTP: finding an invitation by its link,
validation of every question kind, conditions, drafts, the company unit, and
submission (``plugins.polls.answering``).

Helpers here (``Q``, ``questions``, ``valid_values``, ``invite``) are shared by
the other answering test modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, update
from werkzeug.datastructures import MultiDict

from kringwerk.extensions import db, utcnow
from kringwerk.tenancy import tenant_scope
from kringwerk.tokens.models import PersonalToken
from kringwerk.tokens.services import issue as issue_token
from plugins.polls import answering
from plugins.polls.models import (
    ANSWER_LINK,
    Poll,
    PollAnswer,
    PollInvitation,
    PollQuestion,
    PollResponse,
    PollState,
    PollTally,
    QuestionKind,
    ResponseStatus,
    ResponseUnit,
)
from tests.plugins.polls.conftest import make_poll

# --- helpers shared by the answering tests ------------------------------------------------------


@dataclass
class Q:
    """The question ids (and option ids) of a ``make_poll`` poll."""

    single: int
    yes: int
    no: int
    multiple: int
    multiple_options: list[int]
    scale5: int
    scale10: int
    number: int
    short: int
    long: int
    ranking: int
    ranking_options: list[int]
    points: int
    points_options: list[int]
    themes: int
    theme_options: list[int]


def questions(tenant, poll_id: int) -> Q:
    with tenant_scope(tenant):
        items = answering.poll_items(poll_id)
        by_kind: dict[str, list[PollQuestion]] = {}
        for item in items:
            by_kind.setdefault(item.kind.value, []).append(item)
        single = by_kind["single_choice"][0]
        scales = by_kind["scale"]
        return Q(
            single=single.id,
            yes=single.options[0].id,
            no=single.options[1].id,
            multiple=by_kind["multiple_choice"][0].id,
            multiple_options=[o.id for o in by_kind["multiple_choice"][0].options],
            scale5=scales[0].id,
            scale10=scales[1].id,
            number=by_kind["number"][0].id,
            short=by_kind["short_text"][0].id,
            long=by_kind["long_text"][0].id,
            ranking=by_kind["ranking"][0].id,
            ranking_options=[o.id for o in by_kind["ranking"][0].options],
            points=by_kind["points"][0].id,
            points_options=[o.id for o in by_kind["points"][0].options],
            themes=by_kind["theme_interest"][0].id,
            theme_options=[o.id for o in by_kind["theme_interest"][0].options],
        )


def valid_values(q: Q, **overrides) -> MultiDict:
    """A complete, valid set of answers (single choice "Ja", so the long text shows)."""
    values = MultiDict(
        [
            (f"q{q.single}", str(q.yes)),
            (f"q{q.multiple}", str(q.multiple_options[0])),
            (f"q{q.multiple}", str(q.multiple_options[2])),
            (f"q{q.scale5}", "4"),
            (f"q{q.scale10}", "9"),
            (f"q{q.number}", "25"),
            (f"q{q.short}", "Anna de Vries"),
            (f"q{q.long}", "Omdat samen meer kan."),
            *[(f"q{q.ranking}_o{o}", str(rank)) for rank, o in enumerate(q.ranking_options, start=1)],
            *[(f"q{q.points}_o{o}", p) for o, p in zip(q.points_options, ("50", "30", "20"), strict=True)],
            *[(f"q{q.themes}_o{o}", lvl) for o, lvl in zip(q.theme_options, ("2", "1", "0"), strict=True)],
        ]
    )
    for name, value in overrides.items():
        if value is None:
            values.poplist(name)
        elif isinstance(value, list):
            values.setlist(name, value)
        else:
            values.setlist(name, [value])
    return values


def invite(tenant, poll_id: int, email: str, company_id: int | None, contact_id: int | None) -> str:
    """An invitation (sent) of ``email`` to the poll; returns the raw token of its link."""
    with tenant_scope(tenant):
        invitation = PollInvitation(
            poll_id=poll_id,
            company_id=company_id,
            contact_person_id=contact_id,
            email=email,
            sent_at=utcnow(),
        )
        db.session.add(invitation)
        db.session.flush()
        raw = issue_token(ANSWER_LINK, invitation.id)
        db.session.flush()
    db.session.commit()
    return raw


def check(tenant, poll_id, values):
    """validate() in the tenant, with the messages rendered in English."""
    with tenant_scope(tenant), force_locale("en"):
        poll = db.session.get(Poll, poll_id)
        atoms, errors = answering.validate(poll, values)
        return atoms, {qid: str(message) for qid, message in errors.items()}


def set_question(tenant, question_id, **changes):
    with tenant_scope(tenant):
        question = db.session.get(PollQuestion, question_id)
        for name, value in changes.items():
            setattr(question, name, value)
        db.session.flush()
    db.session.commit()


@pytest.fixture
def q(polls_world, poll_id) -> Q:
    return questions(polls_world.a.tenant, poll_id)


# --- finding the invitation ------------------------------------------------------------------


def test_find_invitation_by_hash_within_tenant_and_poll(polls_world, poll_id, b_poll_id):
    w = polls_world
    token = invite(w.a.tenant, poll_id, "anna@alpha.test", w.company_ids["Alpha Bouw BV"], None)
    other_poll = make_poll(w.a.tenant, title="Another poll")
    b_token = invite(w.b.tenant, b_poll_id, "bram@bravo.test", w.b_company_id, w.b_contact_id)
    with tenant_scope(w.a.tenant):
        found = answering.find_invitation(poll_id, token)
        assert found is not None and found.email == "anna@alpha.test"
        assert answering.find_invitation(other_poll, token) is None  # another poll's link
        assert answering.find_invitation(poll_id, token + "x") is None
        assert answering.find_invitation(poll_id, "") is None
        assert answering.find_invitation(poll_id, "x" * 500) is None
        assert answering.find_invitation(b_poll_id, b_token) is None  # tenant B's link under A
        # The raw token is never stored.
        assert db.session.scalar(select(func.count()).where(PersonalToken.token_hash == token)) == 0
    with tenant_scope(w.b.tenant):
        assert answering.find_invitation(poll_id, token) is None  # tenant A's link under B
        assert answering.find_invitation(b_poll_id, b_token) is not None


def test_respondent_state(polls_world):
    now = utcnow()
    poll = Poll(state=PollState.OPEN, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1))
    assert answering.respondent_state(poll, now) == "open"
    assert answering.respondent_state(poll, now - timedelta(hours=2)) == "not_yet_open"
    # Past closes_at counts as closed although the auto-close job has not run yet.
    assert answering.respondent_state(poll, now + timedelta(hours=1)) == "closed"
    poll.state = PollState.DRAFT
    assert answering.respondent_state(poll, now) == "not_yet_open"
    poll.state = PollState.CLOSED
    assert answering.respondent_state(poll, now) == "closed"


# --- validation per kind -----------------------------------------------------------------------


def test_complete_valid_answers_give_one_atom_per_answer(polls_world, poll_id, q):
    atoms, errors = check(polls_world.a.tenant, poll_id, valid_values(q))
    assert errors == {}
    by_question = {}
    for atom in atoms:
        by_question.setdefault(atom["question_id"], []).append(atom)
    assert [a["option_id"] for a in by_question[q.single]] == [q.yes]
    assert [a["option_id"] for a in by_question[q.multiple]] == [q.multiple_options[0], q.multiple_options[2]]
    assert by_question[q.scale5][0]["value_number"] == 4
    assert by_question[q.scale10][0]["value_number"] == 9
    assert by_question[q.number][0]["value_number"] == 25
    assert by_question[q.short][0]["value_text"] == "Anna de Vries"
    assert by_question[q.long][0]["value_text"] == "Omdat samen meer kan."
    assert [(a["option_id"], a["value_number"]) for a in by_question[q.ranking]] == list(
        zip(q.ranking_options, (1, 2, 3), strict=True)
    )
    assert [a["value_number"] for a in by_question[q.points]] == [50, 30, 20]
    assert [(a["option_id"], a["value_number"]) for a in by_question[q.themes]] == list(
        zip(q.theme_options, (2, 1, 0), strict=True)
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("single", None, "This question needs an answer."),
        ("single", "999999", "Choose one of the options."),
        ("multiple", [], None),  # not required and empty: fine
        ("multiple", ["a"], "Choose from the options given."),
        ("multiple", "ALL3", "Choose at most 2 options."),
        ("scale5", "6", "Choose a value from 1 to 5."),
        ("scale5", "0", "Choose a value from 1 to 5."),
        ("scale5", "1", None),
        ("scale5", "5", None),
        ("scale10", "0", None),
        ("scale10", "10", None),
        ("scale10", "11", "Choose a value from 0 to 10."),
        ("scale10", "-1", "Choose a value from 0 to 10."),
        ("scale10", "4.5", "Choose a value from 0 to 10."),
        ("number", "501", "Enter a whole number between 0 and 500."),
        ("number", "-1", "Enter a whole number between 0 and 500."),
        ("number", "twelve", "Enter a whole number between 0 and 500."),
        ("number", "12.5", "Enter a whole number between 0 and 500."),
        ("number", " 500 ", None),
        ("number", "0", None),
        ("short", "x" * 200, None),
        ("short", "x" * 201, "Use at most 200 characters; now 201."),
        ("long", "y" * 5000, None),
        ("long", "y" * 5001, "Use at most 5000 characters; now 5001."),
    ],
)
def test_single_value_kinds(polls_world, poll_id, q, field, value, message):
    qid = getattr(q, field)
    if value == "ALL3":
        value = [str(o) for o in q.multiple_options]
    values = valid_values(q, **{f"q{qid}": value})
    atoms, errors = check(polls_world.a.tenant, poll_id, values)
    assert errors.get(qid) == message
    assert set(errors) <= {qid}
    if message is not None:
        assert not [a for a in atoms if a["question_id"] == qid]


def test_multiple_choice_minimum(polls_world, poll_id, q):
    set_question(polls_world.a.tenant, q.multiple, settings={"min_choices": 2, "max_choices": 3})
    _, errors = check(
        polls_world.a.tenant, poll_id, valid_values(q, **{f"q{q.multiple}": str(q.multiple_options[0])})
    )
    assert errors == {q.multiple: "Choose at least 2 options."}
    # An option of another question is no answer here.
    _, errors = check(
        polls_world.a.tenant,
        poll_id,
        valid_values(q, **{f"q{q.multiple}": [str(q.multiple_options[0]), str(q.yes)]}),
    )
    assert errors == {q.multiple: "Choose from the options given."}


def _ranks(q, *ranks):
    return {f"q{q.ranking}_o{o}": r for o, r in zip(q.ranking_options, ranks, strict=True)}


def _points(q, *points):
    return {f"q{q.points}_o{o}": p for o, p in zip(q.points_options, points, strict=True)}


def _themes(q, *levels):
    return {f"q{q.themes}_o{o}": lvl for o, lvl in zip(q.theme_options, levels, strict=True)}


@pytest.mark.parametrize(
    ("ranks", "message"),
    [
        (("1", "1", "2"), "Give each option a different rank."),
        (("1", "2", ""), "Give every option a rank."),
        (("1", "2", "4"), "Use the ranks 1 to 3."),
        (("1", "2", "x"), "Use the ranks 1 to 3."),
        (("", "", ""), None),  # not required: all-or-nothing
        (("3", "1", "2"), None),
    ],
)
def test_ranking(polls_world, poll_id, q, ranks, message):
    atoms, errors = check(polls_world.a.tenant, poll_id, valid_values(q, **_ranks(q, *ranks)))
    assert errors.get(q.ranking) == message
    stored = [a["value_number"] for a in atoms if a["question_id"] == q.ranking]
    assert stored == ([] if message or not any(ranks) else [int(r) for r in ranks])


def test_ranking_required_needs_all(polls_world, poll_id, q):
    set_question(polls_world.a.tenant, q.ranking, required=True)
    _, errors = check(polls_world.a.tenant, poll_id, valid_values(q, **_ranks(q, "", "", "")))
    assert errors == {q.ranking: "This question needs an answer."}


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (("50", "30", "10"), "The points must add up to 100; now 90."),
        (("60", "50", "0"), "The points must add up to 100; now 110."),
        (("100", "", ""), None),  # empty among filled ones counts as 0
        (("120", "-20", "0"), "Enter whole points of 0 or more."),
        (("33.3", "33.3", "33.4"), "Enter whole points of 0 or more."),
        (("", "", ""), None),
    ],
)
def test_points(polls_world, poll_id, q, points, message):
    atoms, errors = check(polls_world.a.tenant, poll_id, valid_values(q, **_points(q, *points)))
    assert errors.get(q.points) == message
    stored = [a["value_number"] for a in atoms if a["question_id"] == q.points]
    if message is None and any(points):
        assert sum(stored) == 100 and len(stored) == 3


def test_points_required(polls_world, poll_id, q):
    set_question(polls_world.a.tenant, q.points, required=True)
    _, errors = check(polls_world.a.tenant, poll_id, valid_values(q, **_points(q, "", "", "")))
    assert errors == {q.points: "This question needs an answer."}


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        (("0", "1", "2"), None),
        (("3", "1", "2"), "Choose one of the answers for each theme."),
        (("x", "1", "2"), "Choose one of the answers for each theme."),
        (("2", "", ""), None),  # not required: a subset is fine
    ],
)
def test_theme_interest(polls_world, poll_id, q, levels, message):
    atoms, errors = check(polls_world.a.tenant, poll_id, valid_values(q, **_themes(q, *levels)))
    assert errors.get(q.themes) == message
    stored = [(a["option_id"], a["value_number"]) for a in atoms if a["question_id"] == q.themes]
    if message is None:
        assert stored == [(o, int(lvl)) for o, lvl in zip(q.theme_options, levels, strict=True) if lvl]


def test_required_theme_interest_needs_every_theme(polls_world, poll_id, q):
    set_question(polls_world.a.tenant, q.themes, required=True)
    _, errors = check(polls_world.a.tenant, poll_id, valid_values(q, **_themes(q, "2", "1", "")))
    assert errors == {q.themes: "Answer this for every theme."}
    _, errors = check(polls_world.a.tenant, poll_id, valid_values(q, **_themes(q, "", "", "")))
    assert errors == {q.themes: "This question needs an answer."}


def test_required_questions_of_every_kind(polls_world, poll_id, q):
    for qid in (q.multiple, q.scale5, q.number, q.short, q.long):
        set_question(polls_world.a.tenant, qid, required=True)
    empty = valid_values(q, **{f"q{qid}": None for qid in (q.multiple, q.scale5, q.number, q.short)})
    empty.setlist(f"q{q.long}", ["   "])  # only spaces is no answer
    _, errors = check(polls_world.a.tenant, poll_id, empty)
    assert errors == {
        qid: "This question needs an answer." for qid in (q.multiple, q.scale5, q.number, q.short, q.long)
    }


# --- conditions ------------------------------------------------------------------------------------


def test_hidden_conditional_question_is_ignored(polls_world, poll_id, q):
    set_question(polls_world.a.tenant, q.long, required=True)
    # Answered "Nee": the long text (only for "Ja") is neither required nor stored, even when typed.
    values = valid_values(q, **{f"q{q.single}": str(q.no), f"q{q.long}": "y" * 6000})
    atoms, errors = check(polls_world.a.tenant, poll_id, values)
    assert errors == {}
    assert not [a for a in atoms if a["question_id"] == q.long]


def test_shown_conditional_question_is_required(polls_world, poll_id, q):
    set_question(polls_world.a.tenant, q.long, required=True)
    atoms, errors = check(polls_world.a.tenant, poll_id, valid_values(q, **{f"q{q.long}": None}))
    assert errors == {q.long: "This question needs an answer."}
    with tenant_scope(polls_world.a.tenant):
        items = answering.poll_items(poll_id)
        shown = {i.id for i in answering.visible_items(items, {f"q{q.single}": [str(q.yes)]})}
        hidden = {i.id for i in answering.visible_items(items, {f"q{q.single}": [str(q.no)]})}
    assert q.long in shown and q.long not in hidden


# --- drafts, the company unit and submission ------------------------------------------------------


def _invitation(tenant, token, poll_id):
    return answering.find_invitation(poll_id, token)


def test_draft_keeps_invalid_input(polls_world, poll_id, q):
    w = polls_world
    token = invite(
        w.a.tenant,
        poll_id,
        "anna@alpha.test",
        w.company_ids["Alpha Bouw BV"],
        w.contact_ids["anna@alpha.test"],
    )
    typed = MultiDict(
        [(f"q{q.number}", "twelve"), (f"q{q.short}", "x" * 300), ("csrf_token", "abc"), ("submit", "1")]
    )
    with tenant_scope(w.a.tenant):
        response = answering.response_for(_invitation(w.a.tenant, token, poll_id))
        answering.save_draft(response, typed)
        response_id = response.id
    db.session.commit()
    with tenant_scope(w.a.tenant):
        response = db.session.get(PollResponse, response_id)
        assert response.draft == {f"q{q.number}": ["twelve"], f"q{q.short}": ["x" * 300]}
        assert response.status == ResponseStatus.DRAFT
        assert db.session.scalar(select(func.count(PollAnswer.id))) == 0  # drafts write no answers
        values = answering.form_values(response.draft)
        assert values.getlist(f"q{q.number}") == ["twelve"]


def test_company_unit_shares_one_response_between_contacts(polls_world, poll_id, q):
    w = polls_world
    company = w.company_ids["Alpha Bouw BV"]
    anna = invite(w.a.tenant, poll_id, "anna@alpha.test", company, w.contact_ids["anna@alpha.test"])
    arie = invite(w.a.tenant, poll_id, "arie@alpha.test", company, w.contact_ids["arie@alpha.test"])
    with tenant_scope(w.a.tenant):
        first = answering.response_for(answering.find_invitation(poll_id, anna))
        answering.save_draft(first, {f"q{q.short}": ["Anna"]})
        second = answering.response_for(answering.find_invitation(poll_id, arie))
        assert second.id == first.id
        assert second.draft == {f"q{q.short}": ["Anna"]}
        arie_invitation = answering.find_invitation(poll_id, arie)
        assert answering.submit(second, arie_invitation, valid_values(q)) is None
        db.session.flush()
        # Both contacts' invitations count as responded; one response in all.
        assert answering.find_invitation(poll_id, anna).responded_at is not None
        assert db.session.scalar(select(func.count(PollResponse.id))) == 1
    db.session.commit()


def test_person_unit_gives_each_contact_a_response(polls_world, poll_id, q):
    w = polls_world
    with tenant_scope(w.a.tenant):
        db.session.get(Poll, poll_id).response_unit = ResponseUnit.PERSON
        db.session.commit()
    company = w.company_ids["Alpha Bouw BV"]
    anna = invite(w.a.tenant, poll_id, "anna@alpha.test", company, w.contact_ids["anna@alpha.test"])
    arie = invite(w.a.tenant, poll_id, "arie@alpha.test", company, w.contact_ids["arie@alpha.test"])
    with tenant_scope(w.a.tenant):
        first = answering.response_for(answering.find_invitation(poll_id, anna))
        second = answering.response_for(answering.find_invitation(poll_id, arie))
        assert first.id != second.id
        assert answering.submit(first, answering.find_invitation(poll_id, anna), valid_values(q)) is None
        assert answering.find_invitation(poll_id, arie).responded_at is None


def test_submit_writes_answers_and_refuses_a_second_time(polls_world, poll_id, q):
    w = polls_world
    token = invite(
        w.a.tenant,
        poll_id,
        "bert@berends.test",
        w.company_ids["Bakkerij Berends"],
        w.contact_ids["bert@berends.test"],
    )
    with tenant_scope(w.a.tenant), force_locale("en"):
        invitation = answering.find_invitation(poll_id, token)
        response = answering.response_for(invitation)
        errors = answering.submit(response, invitation, valid_values(q, **{f"q{q.number}": "lots"}))
        assert {k: str(v) for k, v in errors.items()} == {q.number: "Enter a whole number between 0 and 500."}
        assert response.status == ResponseStatus.DRAFT
        assert response.draft[f"q{q.number}"] == ["lots"]  # what was typed stays
        assert invitation.responded_at is None
        assert answering.submit(response, invitation, valid_values(q)) is None
        assert response.status == ResponseStatus.SUBMITTED and response.submitted_at is not None
        assert response.company_id == w.company_ids["Bakkerij Berends"]
        answers = list(db.session.scalars(select(PollAnswer).where(PollAnswer.response_id == response.id)))
        assert len(answers) == 17 and {a.poll_id for a in answers} == {poll_id}
        assert invitation.responded_at is not None
        with pytest.raises(answering.AlreadySubmitted):
            answering.submit(response, invitation, valid_values(q))
        with pytest.raises(answering.AlreadySubmitted):
            answering.save_draft(response, valid_values(q))
    db.session.commit()
    with tenant_scope(w.b.tenant):  # tenant B sees none of it
        assert db.session.scalar(select(func.count(PollAnswer.id))) == 0


def test_a_submission_racing_another_writes_nothing(polls_world, poll_id, q):
    """Two requests hold the same draft; the one arriving second finds it submitted in the
    database (though its own copy still says draft) and adds no answers and no counts."""
    w = polls_world
    token = invite(
        w.a.tenant,
        poll_id,
        "carla@chemie.test",
        w.company_ids["Chemie Colmschate"],
        w.contact_ids["carla@chemie.test"],
    )
    with tenant_scope(w.a.tenant):
        invitation = answering.find_invitation(poll_id, token)
        response = answering.response_for(invitation)
        db.session.commit()
        # The other request's submission, as the database has it after its commit.
        db.session.execute(
            update(PollResponse)
            .where(PollResponse.id == response.id)
            .values(status=ResponseStatus.SUBMITTED)
            .execution_options(synchronize_session=False)
        )
        assert response.status == ResponseStatus.DRAFT  # this request's stale copy
        with pytest.raises(answering.AlreadySubmitted):
            answering.submit(response, invitation, valid_values(q))
        db.session.flush()
        assert db.session.scalar(select(func.count(PollAnswer.id))) == 0
        assert db.session.scalar(select(func.count(PollTally.id))) == 0
    with tenant_scope(w.b.tenant):
        assert db.session.scalar(select(func.count(PollResponse.id))) == 0


def test_submit_refused_when_closed(polls_world, poll_id, q):
    w = polls_world
    token = invite(
        w.a.tenant,
        poll_id,
        "dirk@dewit.test",
        w.company_ids["Drukkerij De Wit"],
        w.contact_ids["dirk@dewit.test"],
    )
    with tenant_scope(w.a.tenant):
        invitation = answering.find_invitation(poll_id, token)
        response = answering.response_for(invitation)
        invitation.poll.closes_at = utcnow() - timedelta(minutes=1)
        with pytest.raises(answering.PollNotOpen):
            answering.submit(response, invitation, valid_values(q))
        assert response.status == ResponseStatus.DRAFT


def test_record_response(polls_world, poll_id, q):
    w = polls_world
    company = w.company_ids["Chemie Colmschate"]
    token = invite(w.a.tenant, poll_id, "carla@chemie.test", company, w.contact_ids["carla@chemie.test"])
    with tenant_scope(w.a.tenant):
        poll = db.session.get(Poll, poll_id)
        response = answering.record_response(poll, valid_values(q), company_id=company)
        assert response.status == ResponseStatus.SUBMITTED
        assert len(response.answers) == 17
        assert answering.find_invitation(poll_id, token).responded_at is not None
        with pytest.raises(ValueError) as raised:
            answering.record_response(poll, valid_values(q, **{f"q{q.single}": None}))
        assert q.single in raised.value.errors
        assert db.session.scalar(select(func.count(PollResponse.id))) == 1
    with tenant_scope(w.b.tenant):
        assert db.session.scalar(select(func.count(PollResponse.id))) == 0


def test_kinds_are_all_covered():
    assert set(answering.CHECKS) == {kind for kind in QuestionKind if kind != QuestionKind.SECTION}
