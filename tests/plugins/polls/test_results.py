"""The results service without HTTP: response rates per park, circle and sector,
the aggregates of every question kind with exact numbers, open answers, and
the theme-activity hook. Tenant B's results never include tenant A's rows.

The helpers here (``items``, ``add_response``, ``invite``) build submitted
responses straight from the models (and count them as a submission does, with
``tallies.count_answers``), so these tests do not depend on the answering code;
the other results tests import them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kringwerk.extensions import db, utcnow
from kringwerk.members.models import Theme
from kringwerk.tenancy import tenant_scope
from kringwerk.web.pagination import paginate
from plugins.polls import matches, rates, results, tallies
from plugins.polls.models import (
    Poll,
    PollAnswer,
    PollInvitation,
    PollQuestion,
    PollResponse,
    PollState,
    QuestionKind,
    ResponseStatus,
    ResponseUnit,
)
from tests.plugins.polls.conftest import make_poll

# Positions of make_poll's items.
SINGLE, MULTIPLE, SCALE5, SCALE10, NUMBER, SHORT, LONG, RANKING, POINTS, THEMES = range(1, 11)

# The aggregates are plain SQL: run them on both databases.
pytestmark = pytest.mark.both_databases


def items(tenant, poll_id: int) -> list[dict]:
    """The poll's items by position: id, kind, and option ids by label (theme ids too)."""
    with tenant_scope(tenant):
        questions = db.session.scalars(
            select(PollQuestion).where(PollQuestion.poll_id == poll_id).order_by(PollQuestion.position)
        ).all()
        return [
            {
                "id": q.id,
                "kind": q.kind,
                "options": {o.label: o.id for o in q.options},
                "option_ids": [o.id for o in q.options],
                "theme_ids": [o.theme_id for o in q.options],
            }
            for q in questions
        ]


def add_response(
    tenant, poll_id: int, answers: dict, *, company_id=None, contact_person_id=None, at=None
) -> int:
    """A submitted response with ``answers`` {position: value} (see the module docstring)."""
    layout = items(tenant, poll_id)
    with tenant_scope(tenant):
        response = PollResponse(
            poll_id=poll_id,
            company_id=company_id,
            contact_person_id=contact_person_id,
            status=ResponseStatus.SUBMITTED,
            submitted_at=at or utcnow(),
            draft={},
        )
        db.session.add(response)
        db.session.flush()
        rows = []
        for position, value in answers.items():
            item = layout[position]
            kind = item["kind"]

            def atom(option_id=None, number=None, text=None, item=item):
                rows.append(
                    PollAnswer(
                        poll_id=poll_id,
                        response_id=response.id,
                        question_id=item["id"],
                        option_id=option_id,
                        value_number=number,
                        value_text=text,
                    )
                )

            if kind == QuestionKind.SINGLE_CHOICE:
                atom(item["options"][value])
            elif kind == QuestionKind.MULTIPLE_CHOICE:
                for label in value:
                    atom(item["options"][label])
            elif kind in (QuestionKind.SCALE, QuestionKind.NUMBER):
                atom(number=value)
            elif kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
                atom(text=value)
            elif kind == QuestionKind.RANKING:
                for rank, label in enumerate(value, start=1):
                    atom(item["options"][label], rank)
            elif kind == QuestionKind.POINTS:
                for label, points in value.items():
                    atom(item["options"][label], points)
            elif kind == QuestionKind.THEME_INTEREST:
                for option_id, level in zip(item["option_ids"], value, strict=False):
                    if level is not None:
                        atom(option_id, level)
        db.session.add_all(rows)
        tallies.count_answers(db.session.get(Poll, poll_id), rows)
        db.session.flush()
        response_id = response.id
    db.session.commit()
    return response_id


def invite(
    tenant, poll_id: int, contact_id: int, company_id: int | None, email: str, responded: bool
) -> None:
    with tenant_scope(tenant):
        db.session.add(
            PollInvitation(
                poll_id=poll_id,
                company_id=company_id,
                contact_person_id=contact_id,
                email=email,
                responded_at=utcnow() if responded else None,
            )
        )
        db.session.flush()
    db.session.commit()


def load(tenant, poll_id: int, func, *args, **kwargs):
    with tenant_scope(tenant):
        poll = db.session.get(Poll, poll_id)
        return func(poll, *args, **kwargs)


def set_poll(tenant, poll_id: int, **values) -> None:
    with tenant_scope(tenant):
        poll = db.session.get(Poll, poll_id)
        for name, value in values.items():
            setattr(poll, name, value)
        db.session.flush()
    db.session.commit()


# --- response rates ----------------------------------------------------------------------------


@pytest.fixture
def invited(polls_world, poll_id, b_poll_id):
    """Every contact of A invited; Anna (Alpha), Carla (Chemie) and Eva (Elektro) responded.
    Tenant B's contact invited to B's poll and responded."""
    pw = polls_world
    emails = {
        "anna@alpha.test": ("Alpha Bouw BV", True),
        "arie@alpha.test": ("Alpha Bouw BV", False),
        "bert@berends.test": ("Bakkerij Berends", False),
        "carla@chemie.test": ("Chemie Colmschate", True),
        "dirk@dewit.test": ("Drukkerij De Wit", False),
        "eva@elektro.test": ("Elektro Eefde", True),
    }
    for email, (company, responded) in emails.items():
        invite(pw.a.tenant, poll_id, pw.contact_ids[email], pw.company_ids[company], email, responded)
    invite(pw.b.tenant, b_poll_id, pw.b_contact_id, pw.b_company_id, "bram@bravo.test", True)
    return pw


def as_tuples(rates):
    return [(rate.label, rate.invited, rate.responded, rate.percent) for rate in rates]


def test_response_rate_per_park_circle_and_sector_counts_companies(invited, poll_id):
    overall, parks, circles, sectors = load(invited.a.tenant, poll_id, rates.response_rates)
    # Alpha's two contacts count as one company; Fietsen Freriks (no contact) was never invited.
    assert (overall.invited, overall.responded, overall.percent) == (5, 3, 60.0)
    assert as_tuples(parks) == [("Aalsvoort", 3, 2, 66.7), ("De Wieken", 2, 1, 50.0)]
    assert as_tuples(circles) == [("Noord", 2, 1, 50.0), ("Zuid", 2, 1, 50.0), ("No circle", 1, 1, 100.0)]
    assert as_tuples(sectors) == [
        ("Bouw", 1, 1, 100.0),
        ("Industrie", 2, 1, 50.0),
        ("Installatie", 1, 1, 100.0),
        ("Voeding", 1, 0, 0.0),
    ]


def test_response_rate_per_person_counts_invitations(invited, poll_id):
    set_poll(invited.a.tenant, poll_id, response_unit=ResponseUnit.PERSON)
    overall, parks, _circles, _sectors = load(invited.a.tenant, poll_id, rates.response_rates)
    assert (overall.invited, overall.responded) == (6, 3)
    assert as_tuples(parks) == [("Aalsvoort", 4, 2, 50.0), ("De Wieken", 2, 1, 50.0)]


def test_response_rate_of_tenant_b_sees_only_its_own_invitations(invited, b_poll_id, poll_id):
    overall, parks, _c, sectors = load(invited.b.tenant, b_poll_id, rates.response_rates)
    assert (overall.invited, overall.responded) == (1, 1)
    assert as_tuples(sectors) == [("Logistiek", 1, 1, 100.0)]
    assert as_tuples(parks) == [("No business park", 1, 1, 100.0)]
    # A's poll id under B's scope: nothing to load at all.
    with tenant_scope(invited.b.tenant):
        assert db.session.get(Poll, poll_id) is None


def test_a_poll_without_invitations_has_no_rate(polls_world, poll_id):
    overall, parks, circles, sectors = load(polls_world.a.tenant, poll_id, rates.response_rates)
    assert (overall.invited, overall.responded, overall.percent) == (0, 0, None)
    assert parks == circles == sectors == []


# --- aggregates per kind -----------------------------------------------------------------------


@pytest.fixture
def answered(polls_world, poll_id, b_poll_id):
    """Three submitted responses in A with known answers, a draft that must not count,
    and one response in B that must not leak into A."""
    pw = polls_world
    tenant = pw.a.tenant
    add_response(
        tenant,
        poll_id,
        {
            SINGLE: "Ja",
            MULTIPLE: ["Glasvezel", "Laadpalen"],
            SCALE5: 5,
            SCALE10: 10,
            NUMBER: 12,
            SHORT: "Anna",
            LONG: "Samen sterk",
            RANKING: ["Energie", "Veiligheid", "Groen"],
            POINTS: {"Wegen": 50, "Groen": 30, "Verlichting": 20},
            THEMES: [2, 1, 0],
        },
        company_id=pw.company_ids["Alpha Bouw BV"],
    )
    add_response(
        tenant,
        poll_id,
        {
            SINGLE: "Nee",
            MULTIPLE: ["Glasvezel"],
            SCALE5: 3,
            SCALE10: 7,
            NUMBER: 0,
            RANKING: ["Energie", "Groen", "Veiligheid"],
            POINTS: {"Wegen": 100},
            THEMES: [1, 1, 0],
        },
        company_id=pw.company_ids["Bakkerij Berends"],
    )
    add_response(
        tenant,
        poll_id,
        {
            SINGLE: "Ja",
            MULTIPLE: ["Beveiliging"],
            SCALE5: 4,
            NUMBER: 300,
            SHORT: "Carla",
            LONG: "Betere bereikbaarheid",
            RANKING: ["Veiligheid", "Energie", "Groen"],
            POINTS: {"Groen": 60, "Verlichting": 40},
            THEMES: [0, 2, 1],
        },
        company_id=pw.company_ids["Chemie Colmschate"],
    )
    with tenant_scope(tenant):  # a draft with answers typed: results must ignore it
        db.session.add(
            PollResponse(poll_id=poll_id, company_id=pw.company_ids["Drukkerij De Wit"], draft={"x": 1})
        )
        db.session.flush()
    db.session.commit()
    add_response(
        pw.b.tenant, b_poll_id, {SINGLE: "Ja", SCALE5: 1, THEMES: [2, 2, 2]}, company_id=pw.b_company_id
    )
    return pw


def question(poll_results, kind, nth=0):
    return [q for q in poll_results.questions if q.question.kind == kind][nth]


def by_label(result):
    return {item.label: item for item in result.options}


def test_every_kind_is_aggregated_exactly(answered, poll_id):
    data = load(answered.a.tenant, poll_id, results.poll_results)
    assert data.submitted == 3
    assert len(data.questions) == 10  # the section is not a question

    single = question(data, QuestionKind.SINGLE_CHOICE)
    assert single.answered == 3
    assert {k: (v.count, v.percent) for k, v in by_label(single).items()} == {
        "Ja": (2, 66.7),
        "Nee": (1, 33.3),
    }

    multiple = question(data, QuestionKind.MULTIPLE_CHOICE)
    assert multiple.answered == 3  # respondents, not ticks (4 ticks)
    assert {k: (v.count, v.percent) for k, v in by_label(multiple).items()} == {
        "Glasvezel": (2, 66.7),
        "Laadpalen": (1, 33.3),
        "Beveiliging": (1, 33.3),
    }

    scale5 = question(data, QuestionKind.SCALE, 0)
    assert (scale5.answered, scale5.average, scale5.minimum, scale5.maximum) == (3, 4.0, 3, 5)
    assert scale5.distribution == [(1, 0, 0.0), (2, 0, 0.0), (3, 1, 33.3), (4, 1, 33.3), (5, 1, 33.3)]
    scale10 = question(data, QuestionKind.SCALE, 1)
    assert (scale10.answered, scale10.average) == (2, 8.5)
    assert [value for value, _n, _p in scale10.distribution] == list(range(11))
    assert scale10.distribution[10] == (10, 1, 50.0)

    number = question(data, QuestionKind.NUMBER)
    assert (number.answered, number.average, number.minimum, number.maximum) == (3, 104.0, 0, 300)
    assert number.distribution == []

    assert question(data, QuestionKind.SHORT_TEXT).answered == 2
    assert question(data, QuestionKind.LONG_TEXT).answered == 2

    ranking = by_label(question(data, QuestionKind.RANKING))
    assert question(data, QuestionKind.RANKING).answered == 3
    assert (ranking["Energie"].average, ranking["Energie"].first, ranking["Energie"].first_percent) == (
        1.33,
        2,
        66.7,
    )
    assert (ranking["Veiligheid"].average, ranking["Veiligheid"].first) == (2.0, 1)
    assert (ranking["Groen"].average, ranking["Groen"].first) == (2.67, 0)

    points_result = question(data, QuestionKind.POINTS)
    points = by_label(points_result)
    assert points_result.answered == 3
    assert (points["Wegen"].total, points["Wegen"].average, points["Wegen"].percent) == (150, 50.0, 50.0)
    assert (points["Groen"].total, points["Groen"].average, points["Groen"].percent) == (90, 30.0, 30.0)
    assert (points["Verlichting"].total, points["Verlichting"].average) == (60, 20.0)

    themes = question(data, QuestionKind.THEME_INTEREST).options
    assert [item.levels for item in themes] == [{0: 1, 1: 1, 2: 1}, {0: 0, 1: 2, 2: 1}, {0: 2, 1: 1, 2: 0}]
    assert themes[1].level_percent(1) == 66.7


def test_no_responses_gives_zeros_not_errors(polls_world, poll_id):
    data = load(polls_world.a.tenant, poll_id, results.poll_results)
    assert data.submitted == 0
    for item in data.questions:
        assert item.answered == 0
        assert all(option.percent is None for option in item.options)
    assert question(data, QuestionKind.SCALE).average is None


def test_tenant_b_results_hold_only_its_own_response(answered, b_poll_id):
    data = load(answered.b.tenant, b_poll_id, results.poll_results)
    assert data.submitted == 1
    assert by_label(question(data, QuestionKind.SINGLE_CHOICE))["Ja"].count == 1
    assert question(data, QuestionKind.SCALE).average == 1.0


def test_statement_count_does_not_grow_with_responses(polls_world, poll_id):
    from tests.members.support import count_queries

    tenant = polls_world.a.tenant
    counts = []
    for extra in (2, 20):
        for _ in range(extra):
            add_response(
                tenant,
                poll_id,
                {SINGLE: "Ja", MULTIPLE: ["Glasvezel"], THEMES: [1, 2, 0]},
                company_id=polls_world.company_ids["Alpha Bouw BV"],
            )
        with tenant_scope(tenant):
            poll = db.session.get(Poll, poll_id)
            with count_queries() as statements:
                results.poll_results(poll)
                matches.theme_matches(poll, with_companies=True)
            counts.append(len(statements))
    assert counts[0] == counts[1]


# --- open answers ------------------------------------------------------------------------------


def open_texts(tenant, poll_id, position, search=None, with_names=False):
    layout = items(tenant, poll_id)
    with tenant_scope(tenant):
        poll = db.session.get(Poll, poll_id)
        q = db.session.get(PollQuestion, layout[position]["id"])
        page = paginate(results.open_answers(poll, q, search, with_names=with_names), 1, 10, scalars=False)
        return [(row.text, row.company_name) for row in page.items], page.total


def test_open_answers_filter_and_names(answered, poll_id):
    tenant = answered.a.tenant
    rows, total = open_texts(tenant, poll_id, LONG, with_names=True)
    assert total == 2
    assert sorted(rows) == [("Betere bereikbaarheid", "Chemie Colmschate"), ("Samen sterk", "Alpha Bouw BV")]
    assert open_texts(tenant, poll_id, LONG, "STERK")[0] == [
        ("Samen sterk", None)
    ]  # case-insensitive, no names
    assert open_texts(tenant, poll_id, LONG, "100%")[1] == 0  # % is a character, not a wildcard


def test_open_answers_of_anonymous_poll_never_carry_names(answered, poll_id):
    set_poll(answered.a.tenant, poll_id, anonymous=True)
    rows, _total = open_texts(answered.a.tenant, poll_id, LONG, with_names=True)
    assert {name for _text, name in rows} == {None}


# --- theme activity ----------------------------------------------------------------------------


def test_theme_activity_counts_polls_asking_about_the_theme(polls_world, poll_id, b_poll_id):
    from plugins.polls.matches import theme_activity

    tenant = polls_world.a.tenant
    make_poll(tenant, title="Second")
    make_poll(tenant, title="Draft one", state=PollState.DRAFT)  # members cannot see drafts
    layout = items(tenant, poll_id)
    first_theme, _second, _third = layout[THEMES]["theme_ids"]
    with tenant_scope(tenant):
        theme = db.session.get(Theme, first_theme)
        unused = db.session.scalars(select(Theme).order_by(Theme.position.desc()).limit(1)).one()
        [activity] = theme_activity(tenant, theme)
        assert (activity.plugin, activity.count, activity.endpoint) == ("polls", 2, "polls.index")
        assert theme_activity(tenant, unused) == []
    with tenant_scope(polls_world.b.tenant):
        b_theme = db.session.scalars(select(Theme).order_by(Theme.position).limit(1)).one()
        [activity] = theme_activity(polls_world.b.tenant, b_theme)
        assert activity.count == 1  # only B's own poll, not A's two


def test_closed_poll_keeps_its_results(answered, poll_id):
    set_poll(answered.a.tenant, poll_id, state=PollState.CLOSED, closed_at=utcnow() - timedelta(days=1))
    assert load(answered.a.tenant, poll_id, results.poll_results).submitted == 3
