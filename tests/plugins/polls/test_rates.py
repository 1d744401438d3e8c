"""Response rates: one definition (``rates.response_rate``) shown alike on the
results, audience and poll pages and in the summary export, saying what is
counted (companies for a poll answered per company, people when per person);
and in anonymous polls no group (business park, circle, sector) below
``MIN_GROUP_SIZE`` invited is shown on its own, on the page or in the export.
Tenant B's rate is its own.
"""

from __future__ import annotations

import csv
import io

import pytest

from plugins.polls import rates
from plugins.polls.models import ResponseUnit
from plugins.polls.rates import MIN_GROUP_SIZE, Rate, merge_small_groups
from tests.plugins.polls import test_results
from tests.plugins.polls.test_results import load, set_poll

pytestmark = pytest.mark.both_databases

invited = test_results.invited  # every contact of A invited, three companies responded


@pytest.fixture
def rated(request):
    return request.getfixturevalue("invited")


PAGES = ("/kring-a/polls/{id}/results", "/kring-a/polls/{id}/audience", "/kring-a/polls/{id}/")


def summary(client, poll_id: int) -> list[list[str]]:
    data = client.get(f"/kring-a/polls/{poll_id}/results/export/summary.csv").data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(data), delimiter=";" if ";" in data.splitlines()[0] else ","))


def test_one_rate_of_companies_on_every_page_and_in_the_export(rated, poll_id, b_poll_id, client, login_as):
    # Three of Alpha, Chemie and Elektro's people answered: 3 of the 5 companies invited (6 people).
    assert load(rated.a.tenant, poll_id, rates.response_rate) == Rate(
        "All invited companies", 5, 3, ResponseUnit.COMPANY
    )
    login_as(rated.a.admin)
    for path in PAGES:
        body = client.get(path.format(id=poll_id)).get_data(as_text=True)
        assert "3 of 5 invited companies responded (60%)" in body, path
    set_poll(rated.a.tenant, poll_id, language="en")
    row = next(row for row in summary(client, poll_id) if row[1] == "All invited companies")
    assert row[:4] == ["Response rate", "All invited companies", "3", "60%"]
    # Tenant B's poll counts its own company only; A's pages do not reach it.
    assert load(rated.b.tenant, b_poll_id, rates.response_rate).invited == 1
    assert client.get(f"/kring-a/polls/{b_poll_id}/results").status_code == 404


def test_a_poll_answered_per_person_counts_people(rated, poll_id, client, login_as):
    set_poll(rated.a.tenant, poll_id, response_unit=ResponseUnit.PERSON)
    assert load(rated.a.tenant, poll_id, rates.response_rate) == Rate(
        "All invited people", 6, 3, ResponseUnit.PERSON
    )
    login_as(rated.a.admin)
    for path in PAGES:
        body = client.get(path.format(id=poll_id)).get_data(as_text=True)
        assert "3 of 6 invited people responded (50%)" in body, path
        assert "companies responded" not in body


def test_small_groups_are_shown_together_until_none_is_below_the_minimum():
    assert MIN_GROUP_SIZE == 5
    big, small, tiny = Rate("Big", 10, 3), Rate("Small", 6, 2), Rate("Tiny", 1, 1)
    assert merge_small_groups([big, small], "Other") == [big, small]
    # One group too small: alone it would be the total minus the others, so the next smallest joins it.
    assert merge_small_groups([big, small, tiny], "Other") == [big, Rate("Other", 7, 3)]
    assert merge_small_groups([Rate("A", 2, 1), Rate("B", 2, 2)], "Other") == [Rate("Other", 4, 3)]
    assert merge_small_groups([], "Other") == []


def test_an_anonymous_poll_shows_no_group_below_the_minimum(rated, poll_id, client, login_as):
    set_poll(rated.a.tenant, poll_id, anonymous=True, language="en")
    overall, parks, circles, sectors = load(rated.a.tenant, poll_id, rates.response_rates)
    assert (overall.invited, overall.responded) == (5, 3)
    for groups in (parks, circles, sectors):
        assert all(rate.invited >= MIN_GROUP_SIZE for rate in groups), groups
    named = {"Aalsvoort", "De Wieken", "Noord", "Zuid", "Bouw", "Voeding", "Industrie", "Installatie"}
    assert not named & {rate.label for rate in (*parks, *circles, *sectors)}
    login_as(rated.a.admin)
    body = client.get(f"/kring-a/polls/{poll_id}/results").get_data(as_text=True)
    assert "fewer than 5 invited" in body
    assert ">Aalsvoort<" not in body and ">Voeding<" not in body and ">Noord<" not in body
    exported = summary(client, poll_id)
    assert not named & {row[1] for row in exported}
    # Not anonymous: the groups are named (the board knows who was invited anyway).
    set_poll(rated.a.tenant, poll_id, anonymous=False)
    body = client.get(f"/kring-a/polls/{poll_id}/results").get_data(as_text=True)
    assert ">Aalsvoort<" in body and ">Voeding<" in body
