"""The poll builder's rules, without HTTP: polls, questions of every kind, their
settings and conditions, copying, deleting, opening and closing, and the lock
rule once a poll has responses. Tenant B never sees or changes tenant A's polls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kringwerk.extensions import db, utcnow
from kringwerk.members.models import Theme
from kringwerk.tenancy import tenant_scope
from plugins.polls import services
from plugins.polls.models import (
    Poll,
    PollAnswer,
    PollInvitation,
    PollOption,
    PollQuestion,
    PollResponse,
    PollState,
    QuestionKind,
    ResponseStatus,
    ResponseUnit,
)
from plugins.polls.services import PollError
from tests.members.support import audit_actions
from tests.plugins.polls.conftest import make_poll


def poll_values(**overrides) -> dict:
    now = utcnow()
    values = {
        "title": "Energie op Aalsvoort",
        "introduction": "Wat wilt u samen doen?",
        "language": "nl",
        "opens_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(days=14),
        "response_unit": "company",
        "anonymous": False,
        "match_threshold": "",
    }
    values.update(overrides)
    return values


def new_poll(side, **overrides) -> Poll:
    return services.create_poll(poll_values(**overrides), actor=side.admin)


def questions_of(poll: Poll) -> list[PollQuestion]:
    return list(
        db.session.scalars(
            select(PollQuestion).where(PollQuestion.poll_id == poll.id).order_by(PollQuestion.position)
        )
    )


def add_response(poll: Poll, status=ResponseStatus.DRAFT) -> None:
    db.session.add(PollResponse(poll_id=poll.id, status=status, draft={}))
    db.session.flush()


def field_of(call) -> str | None:
    with pytest.raises(PollError) as caught:
        call()
    assert str(caught.value.message)  # a message for people, not an empty error
    return caught.value.field


# --- polls --------------------------------------------------------------------------------------


def test_create_poll_stores_a_draft_in_utc_and_is_audited(polls_world):
    side = polls_world.a
    amsterdam = datetime(2026, 12, 1, 9, 0).astimezone()  # any aware time
    with tenant_scope(side.tenant):
        poll = new_poll(
            side, opens_at=amsterdam, closes_at=amsterdam + timedelta(days=7), match_threshold="5"
        )
        db.session.commit()
        assert poll.state == PollState.DRAFT
        assert poll.opens_at == amsterdam and poll.opens_at.tzinfo is not None
        assert poll.match_threshold == 5 and poll.response_unit == ResponseUnit.COMPANY
        assert poll.created_by_id == side.admin.id
    assert audit_actions(side.tenant)[-1] == "poll.created"
    with tenant_scope(polls_world.b.tenant):
        assert db.session.scalar(select(func.count(Poll.id))) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"language": "de"}, "language"),
        ({"opens_at": datetime(2026, 1, 1, 9, 0)}, "opens_at"),  # naive: which time zone?
        ({"closes_at": "tomorrow"}, "closes_at"),
        ({"closes_at": utcnow() - timedelta(days=2)}, "closes_at"),  # before it opens
        ({"response_unit": "household"}, "response_unit"),
        ({"match_threshold": 0}, "match_threshold"),
        ({"match_threshold": "1001"}, "match_threshold"),
        ({"match_threshold": "three"}, "match_threshold"),
        ({"match_threshold": True}, "match_threshold"),
    ],
)
def test_poll_values_are_checked_per_field(polls_world, overrides, field):
    with tenant_scope(polls_world.a.tenant):
        assert field_of(lambda: new_poll(polls_world.a, **overrides)) == field
        assert db.session.scalar(select(func.count(Poll.id))) == 0


def test_empty_threshold_means_the_plugin_setting(polls_world):
    with tenant_scope(polls_world.a.tenant):
        poll = new_poll(polls_world.a, match_threshold="")
        assert poll.match_threshold is None
        services.update_poll(poll, {"match_threshold": 1000}, actor=polls_world.a.admin)
        assert poll.match_threshold == 1000


def test_update_poll_records_what_changed(polls_world, poll_id):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll = db.session.get(Poll, poll_id)
        services.update_poll(poll, {"title": "Nieuwe titel", "anonymous": True}, actor=side.admin)
        db.session.commit()
        assert poll.title == "Nieuwe titel" and poll.anonymous
    assert audit_actions(side.tenant)[-1] == "poll.updated"


def test_lock_rule_on_poll_settings(polls_world, poll_id):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll = db.session.get(Poll, poll_id)
        add_response(poll)
        assert services.has_responses(poll)
        for values, field in (
            ({"anonymous": True}, "anonymous"),
            ({"response_unit": "person"}, "response_unit"),
            ({"language": "en"}, "language"),
        ):
            with pytest.raises(PollError) as caught:
                services.update_poll(poll, values, actor=side.admin)
            assert caught.value.field == field and caught.value.locked
        # Wording and dates stay editable.
        later = poll.closes_at + timedelta(days=3)
        services.update_poll(
            poll, {"title": "Beter", "introduction": "Tekst", "closes_at": later}, actor=side.admin
        )
        assert poll.title == "Beter" and poll.closes_at == later and not poll.anonymous


def test_has_responses_counts_drafts_and_submitted(polls_world, poll_id):
    with tenant_scope(polls_world.a.tenant):
        poll = db.session.get(Poll, poll_id)
        assert not services.has_responses(poll)
        add_response(poll, ResponseStatus.SUBMITTED)
        assert services.has_responses(poll)


# --- questions of every kind ----------------------------------------------------------------------


def test_every_kind_of_question_can_be_added(polls_world):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll = new_poll(side, language="en")
        themes = db.session.scalars(select(Theme).order_by(Theme.position).limit(2)).all()
        add = lambda kind, **values: services.add_question(poll, kind, values, actor=side.admin)  # noqa: E731
        section = add("section", text="About you", help_text="A few questions", required=True)
        single = add("single_choice", text="Member?", required=True, options="Yes\nNo\n\n")
        multiple = add(
            "multiple_choice",
            text="What do you miss?",
            options=["Fibre", "Chargers", "Security"],
            settings={"min_choices": "1", "max_choices": "2"},
        )
        scale5 = add(
            "scale", text="Satisfied?", settings={"scale": "1-5", "low_label": "Not", "high_label": "Very"}
        )
        scale10 = add("scale", text="Recommend?", settings={"scale": "0-10"})
        number = add("number", text="Parking places?", settings={"min_value": "0", "max_value": "12.5"})
        short = add("short_text", text="Name?", settings={"min_value": 3})  # irrelevant settings ignored
        long = add("long_text", text="Why?", options=["ignored", "too"])
        ranking = add("ranking", text="Rank", options=["Safety", "Energy"])
        points = add("points", text="Spread 100", options=["Roads", "Green"])
        interest = add("theme_interest", text="Themes?", theme_ids=[str(themes[1].id), themes[0].id])
        db.session.commit()

        assert [q.position for q in questions_of(poll)] == list(range(11))
        assert section.required is False  # a heading cannot be required
        assert single.required and [o.label for o in single.options] == ["Yes", "No"]
        assert multiple.settings == {"min_choices": 1, "max_choices": 2}
        assert scale5.settings == {"scale": "1-5", "low_label": "Not", "high_label": "Very"}
        assert scale10.settings == {"scale": "0-10"}
        assert number.settings == {"min_value": 0, "max_value": 12.5}
        assert short.settings == {} and long.options == []
        assert [o.label for o in ranking.options] == ["Safety", "Energy"]
        assert [o.position for o in points.options] == [0, 1]
        # One option per theme, in the order chosen, named in the poll's language.
        assert [o.theme_id for o in interest.options] == [themes[1].id, themes[0].id]
        assert [o.label for o in interest.options] == [themes[1].name_en, themes[0].name_en]
    assert audit_actions(side.tenant).count("poll.questions_changed") == 11


def test_multiple_choice_defaults_to_any_number_of_options(polls_world):
    with tenant_scope(polls_world.a.tenant):
        poll = new_poll(polls_world.a)
        question = services.add_question(
            poll, "multiple_choice", {"text": "Q", "options": "a\nb\nc"}, actor=polls_world.a.admin
        )
        assert question.settings == {"min_choices": 0, "max_choices": 3}


@pytest.mark.parametrize(
    ("kind", "values", "field"),
    [
        ("essay", {"text": "Q"}, "kind"),
        ("short_text", {"text": "   "}, "text"),
        ("short_text", {"text": "x" * 501}, "text"),
        ("single_choice", {"text": "Q", "options": "only one"}, "options"),
        ("ranking", {"text": "Q", "options": ["A", "a"]}, "options"),
        ("points", {"text": "Q", "options": ["x" * 301, "b"]}, "options"),
        ("single_choice", {"text": "Q", "options": [str(i) for i in range(51)]}, "options"),
        ("multiple_choice", {"text": "Q", "options": "a\nb", "settings": {"min_choices": -1}}, "min_choices"),
        ("multiple_choice", {"text": "Q", "options": "a\nb", "settings": {"max_choices": 3}}, "max_choices"),
        (
            "multiple_choice",
            {"text": "Q", "options": "a\nb", "settings": {"min_choices": 2, "max_choices": 1}},
            "min_choices",
        ),
        (
            "multiple_choice",
            {"text": "Q", "options": "a\nb", "settings": {"max_choices": "two"}},
            "max_choices",
        ),
        ("scale", {"text": "Q", "settings": {"scale": "1-7"}}, "scale"),
        ("scale", {"text": "Q", "settings": {"low_label": "x" * 101}}, "low_label"),
        ("number", {"text": "Q", "settings": {"min_value": 10, "max_value": 5}}, "min_value"),
        ("number", {"text": "Q", "settings": {"max_value": "lots"}}, "max_value"),
        ("number", {"text": "Q", "settings": {"max_value": "nan"}}, "max_value"),
        ("theme_interest", {"text": "Q", "theme_ids": []}, "theme_ids"),
        ("theme_interest", {"text": "Q", "theme_ids": ["x"]}, "theme_ids"),
        ("theme_interest", {"text": "Q", "theme_ids": [999999]}, "theme_ids"),
    ],
)
def test_question_values_are_checked_per_field(polls_world, kind, values, field):
    with tenant_scope(polls_world.a.tenant):
        poll = new_poll(polls_world.a)
        assert field_of(lambda: services.add_question(poll, kind, values, actor=polls_world.a.admin)) == field
        assert questions_of(poll) == []


def test_another_tenants_theme_cannot_be_chosen(polls_world):
    with tenant_scope(polls_world.b.tenant):
        b_theme = db.session.scalar(select(Theme.id).limit(1))
    with tenant_scope(polls_world.a.tenant):
        poll = new_poll(polls_world.a)
        with pytest.raises(PollError) as caught:
            services.add_question(
                poll, "theme_interest", {"text": "Q", "theme_ids": [b_theme]}, actor=polls_world.a.admin
            )
        assert caught.value.field == "theme_ids"


def test_a_switched_off_theme_is_not_added_but_may_stay(polls_world):
    side = polls_world.a
    with tenant_scope(side.tenant):
        first, second = db.session.scalars(select(Theme).order_by(Theme.position).limit(2)).all()
        poll = new_poll(side)
        question = services.add_question(
            poll, "theme_interest", {"text": "Q", "theme_ids": [first.id]}, actor=side.admin
        )
        second.active = False
        assert (
            field_of(
                lambda: services.update_question(
                    question, {"theme_ids": [first.id, second.id]}, actor=side.admin
                )
            )
            == "theme_ids"
        )
        first.active = False
        services.update_question(question, {"text": "Still here", "theme_ids": [first.id]}, actor=side.admin)
        assert [o.theme_id for o in question.options] == [first.id]


def test_update_question_keeps_rows_of_kept_and_renamed_options(polls_world):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll = new_poll(side)
        question = services.add_question(
            poll, "single_choice", {"text": "Q", "options": "Ja\nNee"}, actor=side.admin
        )
        ja, nee = (o.id for o in question.options)
        services.update_question(question, {"options": "Nee\nJa!\nMisschien"}, actor=side.admin)
        db.session.commit()
        assert [(o.label, o.position) for o in question.options] == [("Nee", 0), ("Ja!", 1), ("Misschien", 2)]
        assert [o.id for o in question.options][:2] == [nee, ja]  # "Ja!" renamed "Ja" in place
        services.update_question(question, {"options": "Nee\nMisschien"}, actor=side.admin)
        db.session.commit()
        assert db.session.get(PollOption, ja) is None


def test_changing_kind_resets_options_and_settings(polls_world):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll = new_poll(side)
        question = services.add_question(
            poll,
            "multiple_choice",
            {"text": "Q", "options": "a\nb", "settings": {"max_choices": 1}},
            actor=side.admin,
        )
        services.update_question(question, {"kind": "scale", "settings": {"scale": "0-10"}}, actor=side.admin)
        db.session.commit()
        assert question.kind == QuestionKind.SCALE and question.options == []
        assert question.settings == {"scale": "0-10"}
        # Back to a choice: new options are needed.
        assert (
            field_of(lambda: services.update_question(question, {"kind": "ranking"}, actor=side.admin))
            == "options"
        )


# --- conditions -----------------------------------------------------------------------------------


def make_conditional(side):
    """A poll: single choice (Ja/Nee), then a text shown only on "Ja", then a scale."""
    poll = new_poll(side)
    choice = services.add_question(
        poll, "single_choice", {"text": "Lid?", "options": "Ja\nNee"}, actor=side.admin
    )
    ja = choice.options[0].id
    follow = services.add_question(
        poll, "long_text", {"text": "Waarom?", "condition_option_id": str(ja)}, actor=side.admin
    )
    scale = services.add_question(poll, "scale", {"text": "Tevreden?"}, actor=side.admin)
    return poll, choice, follow, scale, ja


def test_a_condition_must_be_an_earlier_choice_questions_option(polls_world):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll, choice, follow, scale, ja = make_conditional(side)
        assert follow.condition_option_id == ja
        # Not a choice question's option (ranking), a later question's, another poll's, or nonsense.
        ranking = services.add_question(poll, "ranking", {"text": "R", "options": "a\nb"}, actor=side.admin)
        other = make_poll(side.tenant)
        db.session.flush()
        other_option = db.session.scalar(
            select(PollOption.id)
            .join(PollQuestion, PollOption.question_id == PollQuestion.id)
            .where(PollQuestion.poll_id == other)
        )
        for bad in (ranking.options[0].id, other_option, "abc"):
            assert (
                field_of(
                    lambda bad=bad: services.add_question(
                        poll, "short_text", {"text": "S", "condition_option_id": bad}, actor=side.admin
                    )
                )
                == "condition_option_id"
            )
        later = services.add_question(
            poll, "multiple_choice", {"text": "M", "options": "x\ny"}, actor=side.admin
        )
        assert (
            field_of(
                lambda: services.update_question(
                    scale, {"condition_option_id": later.options[0].id}, actor=side.admin
                )
            )
            == "condition_option_id"
        )
        # A section has no condition.
        section = services.add_question(
            poll, "section", {"text": "Deel 2", "condition_option_id": ja}, actor=side.admin
        )
        assert section.condition_option_id is None


def test_moving_a_question_above_its_condition_clears_it(polls_world):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll, choice, follow, scale, ja = make_conditional(side)
        assert services.move_question(follow, "up", actor=side.admin)
        db.session.commit()
        assert [q.id for q in questions_of(poll)] == [follow.id, choice.id, scale.id]
        assert follow.condition_option_id is None
        assert not services.move_question(follow, "up", actor=side.admin)  # already first
        assert services.move_question(follow, "down", actor=side.admin)
        assert [q.position for q in questions_of(poll)] == [0, 1, 2]
        assert field_of(lambda: services.move_question(follow, "sideways", actor=side.admin)) == "direction"


def test_moving_the_choice_question_below_its_dependant_clears_the_condition(polls_world):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll, choice, follow, scale, ja = make_conditional(side)
        services.move_question(choice, "down", actor=side.admin)
        assert follow.condition_option_id is None


def test_removing_a_question_clears_conditions_on_it_and_renumbers(polls_world):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll, choice, follow, scale, ja = make_conditional(side)
        services.remove_question(choice, actor=side.admin)
        db.session.commit()
        assert [(q.id, q.position) for q in questions_of(poll)] == [(follow.id, 0), (scale.id, 1)]
        assert follow.condition_option_id is None
        assert db.session.get(PollOption, ja) is None


def test_removing_the_chosen_option_or_changing_kind_clears_the_condition(polls_world):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll, choice, follow, scale, ja = make_conditional(side)
        services.update_question(choice, {"options": "Ja\nNee\nWeet niet"}, actor=side.admin)
        assert follow.condition_option_id == ja  # kept: "Ja" stays
        services.update_question(choice, {"kind": "ranking"}, actor=side.admin)
        assert follow.condition_option_id is None


# --- the lock rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "short_text"},
        {"options": "Ja\nNee\nMisschien"},
        {"options": "Ja hoor\nNee"},  # even a label fix: answers were given to the old text
        {"options": "Nee\nJa"},
        {"required": False},  # relaxing: allowed, checked below
        {"condition_option_id": None},
    ],
)
def test_lock_rule_on_a_choice_question(polls_world, change):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll, choice, follow, scale, ja = make_conditional(side)
        services.update_question(choice, {"required": True}, actor=side.admin)
        add_response(poll)
        target = follow if "condition_option_id" in change else choice
        if change == {"required": False}:
            services.update_question(choice, change, actor=side.admin)
            assert not choice.required
            return
        with pytest.raises(PollError) as caught:
            services.update_question(target, change, actor=side.admin)
        assert caught.value.locked
        db.session.rollback()


def test_lock_rule_refuses_what_invalidates_answers(polls_world, poll_id):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll = db.session.get(Poll, poll_id)
        add_response(poll, ResponseStatus.SUBMITTED)
        items = {q.kind: q for q in reversed(poll.questions)}  # the first of each kind
        multiple, scale, number = (
            items[QuestionKind.MULTIPLE_CHOICE],
            items[QuestionKind.SCALE],
            items[QuestionKind.NUMBER],
        )
        interest, long_text = items[QuestionKind.THEME_INTEREST], items[QuestionKind.LONG_TEXT]
        other_theme = db.session.scalar(select(Theme.id).order_by(Theme.position.desc()).limit(1))
        refused = [
            lambda: services.update_question(
                multiple, {"settings": {"min_choices": 0, "max_choices": 2}}, actor=side.admin
            ),
            lambda: services.update_question(scale, {"settings": {"scale": "0-10"}}, actor=side.admin),
            lambda: services.update_question(
                number, {"settings": {"min_value": 1, "max_value": 500}}, actor=side.admin
            ),
            lambda: services.update_question(
                interest,
                {"theme_ids": [*(o.theme_id for o in interest.options), other_theme]},
                actor=side.admin,
            ),
            lambda: services.update_question(long_text, {"required": True}, actor=side.admin),
            lambda: services.remove_question(long_text, actor=side.admin),
            lambda: services.add_question(
                poll, "short_text", {"text": "Nieuw", "required": True}, actor=side.admin
            ),
        ]
        for call in refused:
            with pytest.raises(PollError) as caught:
                call()
            assert caught.value.locked
        # Still allowed: wording, scale labels, optional additions and reordering.
        services.update_question(
            scale,
            {
                "text": "Hoe tevreden bent u nu?",
                "help_text": "1 = slecht",
                "settings": {"scale": "1-5", "low_label": "Slecht"},
            },
            actor=side.admin,
        )
        services.update_question(multiple, {"text": "Welke voorzieningen mist u nog?"}, actor=side.admin)
        added = services.add_question(poll, "short_text", {"text": "Opmerkingen?"}, actor=side.admin)
        assert services.move_question(added, "up", actor=side.admin)
        db.session.commit()
        assert scale.text == "Hoe tevreden bent u nu?" and scale.settings["low_label"] == "Slecht"
        assert added.position == len(poll.questions) - 2


def test_lock_rule_refuses_a_move_that_breaks_a_condition(polls_world):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll, choice, follow, scale, ja = make_conditional(side)
        add_response(poll)
        with pytest.raises(PollError) as caught:
            services.move_question(follow, "up", actor=side.admin)
        assert caught.value.locked
        assert [q.id for q in sorted(poll.questions, key=lambda q: q.position)] == [
            choice.id,
            follow.id,
            scale.id,
        ]
        assert follow.condition_option_id == ja
        assert services.move_question(scale, "up", actor=side.admin)  # breaks nothing


# --- copy, delete, open, close ----------------------------------------------------------------------------


def test_copy_is_a_draft_with_remapped_items_and_no_responses(polls_world, poll_id):
    side = polls_world.a
    with tenant_scope(side.tenant):
        original = db.session.get(Poll, poll_id)
        original.match_threshold = 4
        db.session.add(PollInvitation(poll_id=poll_id, email="anna@alpha.test"))
        add_response(original, ResponseStatus.SUBMITTED)
        copy = services.copy_poll(original, actor=side.admin)
        db.session.commit()
        assert copy.id != original.id and copy.title == "Samenwerken op Aalsvoort (copy)"
        assert copy.state == PollState.DRAFT and copy.match_threshold == 4
        originals, copies = questions_of(original), questions_of(copy)
        assert [(q.kind, q.text, q.required, q.settings) for q in copies] == [
            (q.kind, q.text, q.required, q.settings) for q in originals
        ]
        assert [[(o.label, o.theme_id) for o in q.options] for q in copies] == [
            [(o.label, o.theme_id) for o in q.options] for q in originals
        ]
        original_conditional = next(q for q in originals if q.condition_option_id)
        copied_conditional = next(q for q in copies if q.condition_option_id)
        copied_ja = copies[1].options[0]
        assert copied_conditional.position == original_conditional.position
        assert (
            copied_conditional.condition_option_id == copied_ja.id != original_conditional.condition_option_id
        )
        assert not services.has_responses(copy)
        assert (
            db.session.scalar(select(func.count(PollInvitation.id)).where(PollInvitation.poll_id == copy.id))
            == 0
        )
    assert audit_actions(side.tenant)[-1] == "poll.copied"


def test_delete_removes_everything_of_the_poll_only(polls_world, poll_id):
    side = polls_world.a
    keep = make_poll(side.tenant, title="Blijft")
    with tenant_scope(side.tenant):
        poll = db.session.get(Poll, poll_id)
        question = poll.questions[1]
        db.session.add(PollInvitation(poll_id=poll_id, email="anna@alpha.test"))
        response = PollResponse(poll_id=poll_id, status=ResponseStatus.SUBMITTED, draft={})
        db.session.add(response)
        db.session.flush()
        db.session.add(
            PollAnswer(
                poll_id=poll_id,
                response_id=response.id,
                question_id=question.id,
                option_id=question.options[0].id,
            )
        )
        services.delete_poll(poll, actor=side.admin)
        db.session.commit()
        assert db.session.get(Poll, poll_id) is None
        for model in (PollQuestion, PollInvitation, PollResponse, PollAnswer):
            assert db.session.scalar(select(func.count(model.id)).where(model.poll_id == poll_id)) == 0
        assert db.session.get(Poll, keep) is not None and len(db.session.get(Poll, keep).questions) == 11
    assert audit_actions(side.tenant)[-1] == "poll.deleted"


def test_open_close_and_reopen(polls_world):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll = new_poll(side)
        services.add_question(poll, "section", {"text": "Alleen een kop"}, actor=side.admin)
        assert field_of(lambda: services.open_poll(poll, actor=side.admin)) is None  # no real question yet
        services.add_question(poll, "short_text", {"text": "Vraag"}, actor=side.admin)
        services.open_poll(poll, actor=side.admin)
        assert poll.state == PollState.OPEN
        assert field_of(lambda: services.open_poll(poll, actor=side.admin)) is None  # already open
        assert field_of(lambda: services.reopen_poll(poll, actor=side.admin)) is None  # not closed
        services.close_poll(poll, actor=side.admin)
        assert poll.state == PollState.CLOSED and poll.closed_at is not None
        assert field_of(lambda: services.close_poll(poll, actor=side.admin)) is None
        services.reopen_poll(poll, actor=side.admin)
        assert poll.state == PollState.OPEN and poll.closed_at is None
        services.close_poll(poll, actor=side.admin)
        poll.closes_at = utcnow() - timedelta(minutes=1)
        poll.opens_at = poll.closes_at - timedelta(days=1)
        assert field_of(lambda: services.reopen_poll(poll, actor=side.admin)) == "closes_at"
        db.session.commit()
    actions = audit_actions(side.tenant)
    assert actions.count("poll.opened") == 1 and actions.count("poll.closed") == 2
    assert actions.count("poll.reopened") == 1


def test_opening_needs_dates_in_order_and_ahead(polls_world):
    side = polls_world.a
    with tenant_scope(side.tenant):
        poll = new_poll(side, opens_at=None, closes_at=None)
        services.add_question(poll, "short_text", {"text": "Vraag"}, actor=side.admin)
        assert field_of(lambda: services.open_poll(poll, actor=side.admin)) == "closes_at"
        past = datetime(2020, 1, 1, tzinfo=UTC)
        services.update_poll(
            poll, {"opens_at": past, "closes_at": past + timedelta(days=1)}, actor=side.admin
        )
        assert field_of(lambda: services.open_poll(poll, actor=side.admin)) == "closes_at"
        assert poll.state == PollState.DRAFT


def test_open_poll_count_and_list_are_per_tenant(polls_world, poll_id, b_poll_id):
    side = polls_world.a
    make_poll(side.tenant, title="Concept", state=PollState.DRAFT)
    with tenant_scope(side.tenant):
        assert services.open_poll_count() == 1
        builder_titles = [
            poll.title for poll, _count in db.session.execute(services.polls_query(builder=True))
        ]
        member_titles = [
            poll.title for poll, _count in db.session.execute(services.polls_query(builder=False))
        ]
        assert sorted(builder_titles) == ["Concept", "Samenwerken op Aalsvoort"]
        assert member_titles == ["Samenwerken op Aalsvoort"]
        assert db.session.get(Poll, b_poll_id) is None  # tenant B's poll is out of reach
    with tenant_scope(polls_world.b.tenant):
        assert [poll.title for poll, _count in db.session.execute(services.polls_query(builder=True))] == [
            "Poll of tenant B"
        ]
        assert db.session.get(Poll, poll_id) is None
