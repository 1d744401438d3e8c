"""The results pages over HTTP: who may see them (board, members, public, drafts),
publishing, the open answers with their search, names never shown for
anonymous polls or on the public page, accessible charts without inline
styles, a constant number of statements per page, and tenant B getting 404
for everything of tenant A.
"""

from __future__ import annotations

import re

import pytest

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.polls.models import Poll, PollResponse, PollState, ResultsVisibility
from tests.members.support import audit_actions, count_queries, last_audit
from tests.plugins.polls.test_results import LONG, SHORT, SINGLE, THEMES, add_response, items, set_poll


@pytest.fixture
def answered(polls_world, poll_id, b_poll_id):
    pw = polls_world
    for name, text, levels in (
        ("Alpha Bouw BV", "Samen sterk op Aalsvoort", [2, 1, 0]),
        ("Bakkerij Berends", "Minder files", [1, 1, 0]),
        ("Chemie Colmschate", "Een warmtenet", [1, 0, 0]),
    ):
        add_response(
            pw.a.tenant,
            poll_id,
            {SINGLE: "Ja", LONG: text, SHORT: name.split()[0], THEMES: levels},
            company_id=pw.company_ids[name],
        )
    add_response(pw.b.tenant, b_poll_id, {SINGLE: "Nee", LONG: "Bravo's answer"}, company_id=pw.b_company_id)
    return pw


def url(poll_id, suffix="", tenant="kring-a"):
    return f"/{tenant}/polls/{poll_id}/results{suffix}"


def text(response) -> str:
    return response.get_data(as_text=True)


# --- who may see the results ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "facilitator"])
def test_board_sees_results_with_numbers_and_names(answered, poll_id, client, login_as, role):
    login_as(getattr(answered.a, role))
    page = client.get(url(poll_id))
    assert page.status_code == 200
    body = text(page)
    assert "3 submitted responses" in body
    assert "3 companies interested in cooperating" in body
    assert "Bravo" not in body  # tenant B's response never shows
    assert "Publishing and exports" in body


@pytest.mark.parametrize("visibility, expected", [("board", 403), ("members", 200), ("public", 200)])
def test_members_see_results_only_when_published_to_them(
    answered, poll_id, client, login_as, visibility, expected
):
    set_poll(answered.a.tenant, poll_id, results_visibility=ResultsVisibility(visibility))
    for person in (answered.a.member, answered.a.official):
        login_as(person)
        page = client.get(url(poll_id))
        assert page.status_code == expected
        if expected == 200:
            assert "Publishing and exports" not in text(page)  # the board's tools stay hidden
        client.post("/account/logout")


def test_draft_has_no_results_page_except_for_the_board(answered, poll_id, client, login_as):
    set_poll(answered.a.tenant, poll_id, state=PollState.DRAFT, results_visibility=ResultsVisibility.PUBLIC)
    login_as(answered.a.member)
    assert client.get(url(poll_id)).status_code == 404
    assert client.get(url(poll_id, "/public")).status_code == 404
    client.post("/account/logout")
    login_as(answered.a.admin)
    assert client.get(url(poll_id)).status_code == 200


def test_public_page_only_when_public_and_never_with_names(answered, poll_id, client):
    assert client.get(url(poll_id, "/public")).status_code == 404  # board only by default
    set_poll(answered.a.tenant, poll_id, results_visibility=ResultsVisibility.MEMBERS)
    assert client.get(url(poll_id, "/public")).status_code == 404
    set_poll(answered.a.tenant, poll_id, results_visibility=ResultsVisibility.PUBLIC)
    page = client.get(url(poll_id, "/public"))  # nobody signed in
    assert page.status_code == 200
    body = text(page)
    assert "3 submitted responses" in body
    for name in ("Alpha Bouw BV", "Bakkerij Berends", "Chemie Colmschate"):
        assert name not in body
    assert "Samen sterk" not in body  # open answers are not published
    assert "Publishing and exports" not in body
    assert "/results/export/" not in body
    # Tenant B's prefix does not reach A's poll, published or not.
    assert client.get(url(poll_id, "/public", tenant="kring-b")).status_code == 404


def test_anonymous_poll_shows_no_names_anywhere(answered, poll_id, client, login_as):
    set_poll(answered.a.tenant, poll_id, anonymous=True)
    with tenant_scope(answered.a.tenant):
        for response in db.session.query(PollResponse).all():
            response.company_id = None  # what anonymous submission stores
        db.session.flush()
    db.session.commit()
    login_as(answered.a.admin)
    body = text(client.get(url(poll_id)))
    question_id = items(answered.a.tenant, poll_id)[LONG]["id"]
    answers = text(client.get(url(poll_id, f"/questions/{question_id}")))
    theme_id = items(answered.a.tenant, poll_id)[THEMES]["theme_ids"][0]
    match = text(client.get(url(poll_id, f"/themes/{theme_id}")))
    assert "3 companies interested in cooperating" in match
    for page in (body, answers, match):
        for name in ("Alpha Bouw BV", "Bakkerij Berends", "Chemie Colmschate"):
            assert name not in page
    assert "Anonymous poll" in body
    assert "Samen sterk op Aalsvoort" in answers  # the answers themselves are there


def test_unsigned_visitor_is_sent_to_sign_in(answered, poll_id, client):
    page = client.get(url(poll_id))
    assert page.status_code == 302 and "/account/login" in page.headers["Location"]


# --- publishing ----------------------------------------------------------------------------------


def test_board_publishes_results_with_an_audit_entry(answered, poll_id, client, login_as):
    login_as(answered.a.facilitator)
    page = client.post(url(poll_id, "/visibility"), data={"visibility": "members"})
    assert page.status_code == 302
    with tenant_scope(answered.a.tenant):
        assert db.session.get(Poll, poll_id).results_visibility == ResultsVisibility.MEMBERS
    entry = last_audit(answered.a.tenant)
    assert (entry.action, entry.details) == ("poll.results_published", {"from": "board", "to": "members"})
    assert "poll.results_published" not in audit_actions(answered.b.tenant)


def test_publishing_a_wrong_value_answers_422_and_changes_nothing(answered, poll_id, client, login_as):
    login_as(answered.a.admin)
    page = client.post(url(poll_id, "/visibility"), data={"visibility": "everyone"})
    assert page.status_code == 422
    assert "Please correct the following" in text(page)
    with tenant_scope(answered.a.tenant):
        assert db.session.get(Poll, poll_id).results_visibility == ResultsVisibility.BOARD


def test_members_and_tenant_b_cannot_publish(answered, poll_id, client, login_as):
    login_as(answered.a.member)
    assert client.post(url(poll_id, "/visibility"), data={"visibility": "public"}).status_code == 403
    client.post("/account/logout")
    login_as(answered.b.admin)
    assert (
        client.post(url(poll_id, "/visibility", "kring-b"), data={"visibility": "public"}).status_code == 404
    )
    with tenant_scope(answered.a.tenant):
        assert db.session.get(Poll, poll_id).results_visibility == ResultsVisibility.BOARD


# --- open answers --------------------------------------------------------------------------------


def test_open_answers_search_and_htmx_fragment(answered, poll_id, client, login_as):
    login_as(answered.a.admin)
    question_id = items(answered.a.tenant, poll_id)[LONG]["id"]
    page = client.get(url(poll_id, f"/questions/{question_id}"))
    assert page.status_code == 200
    body = text(page)
    assert "Samen sterk op Aalsvoort" in body and "Minder files" in body
    assert "Alpha Bouw BV" in body  # the board sees who said it
    assert "Bravo" not in body
    fragment = client.get(url(poll_id, f"/questions/{question_id}?q=files"), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "Minder files" in text(fragment) and "Samen sterk" not in text(fragment)
    assert "<html" not in text(fragment)  # only the list, not the page
    assert "No answers match your search." in text(
        client.get(url(poll_id, f"/questions/{question_id}?q=zzz"))
    )


def test_open_answers_refuse_questions_of_other_polls_and_kinds(
    answered, poll_id, b_poll_id, client, login_as
):
    login_as(answered.a.admin)
    single_id = items(answered.a.tenant, poll_id)[SINGLE]["id"]
    b_question = items(answered.b.tenant, b_poll_id)[LONG]["id"]
    assert client.get(url(poll_id, f"/questions/{single_id}")).status_code == 404  # not a text question
    assert client.get(url(poll_id, f"/questions/{b_question}")).status_code == 404  # B's question
    assert client.get(url(poll_id, "/questions/999999")).status_code == 404


# --- the page itself -----------------------------------------------------------------------------


def test_charts_are_accessible_svg_without_inline_styles(answered, poll_id, client, login_as):
    login_as(answered.a.admin)
    body = text(client.get(url(poll_id)))
    svgs = re.findall(r"<svg.*?</svg>", body, flags=re.S)
    assert svgs
    for svg in svgs:
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
        assert "style=" not in svg
    assert "style=" not in body and "<script>" not in body
    # The single-choice chart writes out count and percentage for every bar.
    single = next(svg for svg in svgs if "Bent u lid van de kring?" in svg)
    assert "3 (100%)" in single and "0 (0%)" in single


def test_statements_per_page_do_not_grow_with_responses(polls_world, poll_id, client, login_as):
    pw = polls_world
    login_as(pw.a.admin)
    counts = []
    for batch in (5, 45):  # 5 and then 50 responses
        for n in range(batch):
            add_response(
                pw.a.tenant,
                poll_id,
                {SINGLE: "Ja", LONG: f"answer {n}", THEMES: [2, 1, n % 3]},
                company_id=pw.company_ids["Alpha Bouw BV"],
            )
        # A warm-up request first: what a worker keeps per process is filled once, not counted.
        assert client.get(url(poll_id)).status_code == 200
        with count_queries() as statements:
            assert client.get(url(poll_id)).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_tenant_b_gets_404_for_everything_of_tenant_a(answered, poll_id, client, login_as):
    login_as(answered.b.admin)
    question_id = items(answered.a.tenant, poll_id)[LONG]["id"]
    set_poll(answered.a.tenant, poll_id, results_visibility=ResultsVisibility.PUBLIC)
    for tenant in ("kring-b", "kring-a"):
        for suffix in (
            "",
            "/public" if tenant == "kring-b" else "",
            f"/questions/{question_id}",
            "/export/summary.xlsx",
            "/exports/1",
        ):
            assert client.get(url(poll_id, suffix, tenant)).status_code == 404, (tenant, suffix)
        assert client.post(url(poll_id, "/export/responses.csv", tenant)).status_code == 404, tenant
