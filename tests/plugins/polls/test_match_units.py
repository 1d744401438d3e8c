"""What a cooperation match counts: companies, each once however many of its
people answered. Only an anonymous poll answered per person cannot know whose
company an answer is (nothing may tie it to one), so there the match counts
people and every page says so. Tenant B's answers never count for tenant A.
"""

from __future__ import annotations

import pytest

from plugins.polls import matches
from plugins.polls.models import ResponseUnit
from tests.plugins.polls.test_results import THEMES, add_response, load, set_poll

pytestmark = pytest.mark.both_databases


def test_an_anonymous_poll_per_person_counts_people_and_says_so(
    polls_world, poll_id, b_poll_id, client, login_as
):
    pw = polls_world
    set_poll(pw.a.tenant, poll_id, anonymous=True, response_unit=ResponseUnit.PERSON)
    # Anna and Arie of Alpha answered; anonymous, so their responses keep no company.
    add_response(pw.a.tenant, poll_id, {THEMES: [1, 0, 0]})
    add_response(pw.a.tenant, poll_id, {THEMES: [2, 0, 0]})
    add_response(pw.b.tenant, b_poll_id, {THEMES: [2, 2, 2]}, company_id=pw.b_company_id)
    [top, *_] = load(pw.a.tenant, poll_id, matches.theme_matches)
    assert (top.match.interested, top.match.leading) == (2, 1)
    assert load(pw.a.tenant, poll_id, matches.counts_people) is True
    login_as(pw.a.admin)
    body = client.get(f"/kring-a/polls/{poll_id}/results").get_data(as_text=True)
    assert "2 people interested in cooperating" in body
    assert "companies interested" not in body
    assert "A theme is a match when at least 3 people want to cooperate on it." in body
    match_page = client.get(f"/kring-a/polls/{poll_id}/results/themes/{top.match.theme_id}").get_data(
        as_text=True
    )
    assert "2 people interested in cooperating" in match_page


def test_a_poll_per_company_or_not_anonymous_counts_companies(polls_world, poll_id, client, login_as):
    pw = polls_world
    set_poll(pw.a.tenant, poll_id, response_unit=ResponseUnit.PERSON)
    alpha = pw.company_ids["Alpha Bouw BV"]
    for email in ("anna@alpha.test", "arie@alpha.test"):
        add_response(
            pw.a.tenant,
            poll_id,
            {THEMES: [1, 0, 0]},
            company_id=alpha,
            contact_person_id=pw.contact_ids[email],
        )
    [top, *_] = load(pw.a.tenant, poll_id, matches.theme_matches)
    assert top.match.interested == 1  # two people, one company
    assert load(pw.a.tenant, poll_id, matches.counts_people) is False
    login_as(pw.a.admin)
    body = client.get(f"/kring-a/polls/{poll_id}/results").get_data(as_text=True)
    assert "1 company interested in cooperating" in body
