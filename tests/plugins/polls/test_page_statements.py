"""Issue 15: what the main polls pages cost in statements, for small and larger data,
and the statements the plugin builds once per process instead of on every request.

Counted after a warm-up request, so what a worker keeps per process (the core's
caches) is not counted; the plugin's own statements are those reading its tables
(``polls``, ``poll_*``) or the personal link's token. Every test has both tenants;
tenant B's poll and answers never show on tenant A's pages, and the statements
built once serve both tenants with each tenant's own rows.
"""

from __future__ import annotations

import re

import pytest

from plugins.polls import answer_values, rates, responses, results, services
from tests.members.support import count_queries, page_text
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_answering import invite, questions, valid_values
from tests.plugins.polls.test_results import LONG, SINGLE, THEMES, add_response

# Statements the core sends at the start of a request (tenant, user, membership, plugin
# gate) and which other work may cut further: the pages are held to totals that leave
# them room, and to exact counts of the plugin's own statements.
RESULTS_MAX, RESULTS_OWN = 10, 5  # was 15 in all, 10 of them the plugin's (6 reading its tables)
ANSWER_OWN = 3  # was 6, then 4: the live token with its invitation and poll, the response, the items
LIST_OWN_MAX = 2  # the listing (and a count, depending on the core's pagination)


@pytest.fixture(autouse=True)
def uncached(app):
    """These count the path that builds the pages (the first request after any write):
    nothing is kept between requests here. What a warm request runs is counted in
    test_page_data.py."""
    app.config["KEEP_PAGE_DATA"] = False


def own(statements: list[str]) -> list[str]:
    """The statements reading the plugin's tables or the link's token."""
    return [s for s in statements if re.search(r"\b(polls|poll_\w+|personal_tokens)\b", s)]


def counted(client, url: str) -> list[str]:
    assert client.get(url).status_code == 200  # warm-up: per-process caches filled, not counted
    with count_queries() as statements:
        page = client.get(url)
    assert page.status_code == 200, url
    return list(statements)


def add_responses(pw, poll_id: int, how_many: int, start: int = 0, but: str = "") -> None:
    """``how_many`` submitted responses to tenant A's poll, spread over its companies (``but`` one)."""
    names = [name for name in pw.company_ids if name != but]
    for n in range(start, start + how_many):
        add_response(
            pw.a.tenant,
            poll_id,
            {SINGLE: "Ja", LONG: f"answer {n}", THEMES: [2, 1, n % 3]},
            company_id=pw.company_ids[names[n % len(names)]],
        )


@pytest.mark.both_databases
def test_results_page_statements_constant_and_fewer(polls_world, poll_id, b_poll_id, client, login_as):
    pw = polls_world
    add_response(pw.b.tenant, b_poll_id, {SINGLE: "Nee", LONG: "Bravo's answer"}, company_id=pw.b_company_id)
    for email, company in (("anna@alpha.test", "Alpha Bouw BV"), ("dirk@dewit.test", "Drukkerij De Wit")):
        invite(pw.a.tenant, poll_id, email, pw.company_ids[company], pw.contact_ids[email])
    invite(pw.b.tenant, b_poll_id, "bram@bravo.test", pw.b_company_id, pw.b_contact_id)
    login_as(pw.a.admin)
    url = f"/kring-a/polls/{poll_id}/results"
    totals, owns = [], []
    for batch, expected in ((5, 5), (45, 50)):
        add_responses(pw, poll_id, batch, start=expected - batch)
        statements = counted(client, url)
        totals.append(len(statements))
        owns.append(len(own(statements)))
        body = page_text(client.get(url))
        assert f"{expected} submitted responses" in body
        assert "Poll of tenant B" not in body and "Bravo" not in body
    assert totals[0] == totals[1] <= RESULTS_MAX
    assert owns == [RESULTS_OWN, RESULTS_OWN]
    # Tenant A's poll is not found from tenant B's address.
    assert client.get(f"/kring-b/polls/{poll_id}/results").status_code == 404


@pytest.mark.both_databases
def test_answer_page_statements_constant_and_fewer(polls_world, poll_id, b_poll_id, client):
    pw = polls_world
    token = invite(
        pw.a.tenant,
        poll_id,
        "bert@berends.test",
        pw.company_ids["Bakkerij Berends"],
        pw.contact_ids["bert@berends.test"],
    )
    url = f"/kring-a/polls/{poll_id}/a/{token}"
    few = own(counted(client, url))
    add_responses(pw, poll_id, 50, but="Bakkerij Berends")  # other companies' answers
    # A draft of this link, then the page again with its values filled in.
    values = valid_values(questions(pw.a.tenant, poll_id)).to_dict(flat=False)
    client.post(url, data={**values, "save": "1"})
    more = own(counted(client, url))
    assert " checked" in page_text(client.get(url))  # the draft's choices are filled in
    assert len(few) == len(more) == ANSWER_OWN
    # The same token does not open tenant B's poll, nor the poll under tenant B's address.
    assert client.get(f"/kring-a/polls/{b_poll_id}/a/{token}").status_code == 404
    assert client.get(f"/kring-b/polls/{poll_id}/a/{token}").status_code == 404


@pytest.mark.both_databases
def test_polls_list_statements_constant(polls_world, b_poll_id, client, login_as):
    pw = polls_world
    login_as(pw.a.admin)
    sizes = []
    make_poll(pw.a.tenant, title="Eerste peiling")
    sizes.append(own(counted(client, "/kring-a/polls/")))
    for n in range(30):  # more than a page
        make_poll(pw.a.tenant, title=f"Peiling {n}")
    sizes.append(own(counted(client, "/kring-a/polls/")))
    assert len(sizes[0]) == len(sizes[1]) <= LIST_OWN_MAX
    body = page_text(client.get("/kring-a/polls/"))
    assert "Peiling 29" in body and "Poll of tenant B" not in body
    # Rows link to each poll's own page, built once for the table (row_url) as url_for would.
    assert re.search(r'href="/kring-a/polls/\d+/"', body)


@pytest.mark.both_databases
def test_page_statements_are_built_once_per_process_for_both_tenants(
    polls_world, poll_id, b_poll_id, client, login_as
):
    """The statements of the three pages hold no data: built on the first request and
    reused by every later one, in either tenant, each still seeing only its own rows."""
    pw = polls_world
    builders = (
        results._questions_statement,
        results._tallies_statement,
        results._poll_with_submitted_statement,
        rates._rate_statements,
        responses._invitation_statement,
        responses._response_statement,
        answer_values._items_statement,
        services.polls_query,
    )
    for builder in builders:
        builder.cache_clear()
    add_response(
        pw.a.tenant,
        poll_id,
        {SINGLE: "Ja", LONG: "Alpha's answer"},
        company_id=pw.company_ids["Alpha Bouw BV"],
    )
    add_response(pw.b.tenant, b_poll_id, {SINGLE: "Nee", LONG: "Bravo's answer"}, company_id=pw.b_company_id)
    tokens = {
        "a": invite(
            pw.a.tenant,
            poll_id,
            "bert@berends.test",
            pw.company_ids["Bakkerij Berends"],
            pw.contact_ids["bert@berends.test"],
        ),
        "b": invite(pw.b.tenant, b_poll_id, "bram@bravo.test", pw.b_company_id, pw.b_contact_id),
    }
    seen = {}
    for side, slug, poll in (("a", "kring-a", poll_id), ("b", "kring-b", b_poll_id)):
        login_as(getattr(pw, side).admin)
        for _ in range(2):
            seen[side, "results"] = page_text(client.get(f"/{slug}/polls/{poll}/results"))
            seen[side, "list"] = page_text(client.get(f"/{slug}/polls/"))
        client.post("/account/logout")
        for _ in range(2):
            seen[side, "answer"] = page_text(client.get(f"/{slug}/polls/{poll}/a/{tokens[side]}"))
    for builder in builders:
        info = builder.cache_info()
        assert info.currsize == 1, builder  # one statement (one variant) for both tenants
        assert info.misses == 1 and info.hits >= 1, builder
    assert "1 submitted response" in seen["a", "results"] and "1 submitted response" in seen["b", "results"]
    assert "Poll of tenant B" in seen["b", "list"] and "Poll of tenant B" not in seen["a", "list"]
    assert "Poll of tenant B" in seen["b", "answer"] and "Poll of tenant B" not in seen["a", "answer"]


def test_results_words_are_translated_once_per_language(app, polls_world):
    """The results page's repeated words (headers, "Match", kinds of question) are
    translated once per language and catalogue, the same for both tenants, and read as
    the templates' own gettext would."""
    from flask_babel import force_locale, gettext
    from markupsafe import Markup

    from plugins.polls.models import QuestionKind
    from plugins.polls.page_words import WORDS, results_words

    found = {}
    for slug in ("kring-a", "kring-b"):
        with app.test_request_context(f"/{slug}/polls/"):
            for language in ("nl", "en"):
                with force_locale(language):
                    words = results_words()
                    assert results_words() is words  # kept, not translated again
                    assert found.setdefault(language, words) is words  # the same in both tenants
                    for key, text in WORDS.items():
                        assert words[key] == gettext(text._args[0]) and isinstance(words[key], Markup)
                    assert words["kinds"]["scale"] == str(QuestionKind.SCALE.label)
    assert found["nl"] is not found["en"] and found["en"]["average"] == "Average"
    assert found["nl"]["average"] != "Average"  # Dutch: the catalogue's word
