"""Cooperation matches: per theme the companies interested or willing to lead,
the threshold (plugin setting and the poll's own), companies counted once
however many of their people answered, anonymity (no company ids, no names),
and the follow-up button that posts to another plugin (the test-only dummy).
Tenant B never sees tenant A's matches.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from kringwerk.extensions import db
from kringwerk.members.models import Theme
from kringwerk.pluginhost.services import enable_plugin, update_plugin_settings
from kringwerk.tenancy import tenant_scope
from plugins.polls import matches as poll_matches
from plugins.polls.models import ResponseUnit
from tests.plugins.polls.test_results import THEMES, add_response, items, load, set_poll
from tests.support.dummy_plugin import views as dummy_views

NAMES = ("Alpha Bouw BV", "Bakkerij Berends", "Chemie Colmschate", "Drukkerij De Wit")

# The aggregates are plain SQL: run them on both databases.
pytestmark = pytest.mark.both_databases


class Forms(HTMLParser):
    """The page's POST forms: action, fields (name -> values) and the text inside."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post":
            self._form = {"action": attrs.get("action"), "fields": {}, "text": ""}
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and attrs.get("name"):
            self._form["fields"].setdefault(attrs["name"], []).append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None

    def handle_data(self, data):
        if self._form is not None:
            self._form["text"] += data


@pytest.fixture
def interest(polls_world, poll_id, b_poll_id):
    """Theme 1: four companies interested, two of them willing to lead; theme 2: two
    interested; theme 3: nobody. Tenant B: its one company leads on every theme."""
    pw = polls_world
    levels = {
        "Alpha Bouw BV": [2, 1, 0],
        "Bakkerij Berends": [2, 0, 0],
        "Chemie Colmschate": [1, 1, 0],
        "Drukkerij De Wit": [1, None, 0],
        "Elektro Eefde": [0, 0, 0],
    }
    for name, values in levels.items():
        add_response(pw.a.tenant, poll_id, {THEMES: values}, company_id=pw.company_ids[name])
    add_response(pw.b.tenant, b_poll_id, {THEMES: [2, 2, 2]}, company_id=pw.b_company_id)
    return pw


def theme_ids(pw, poll_id):
    return items(pw.a.tenant, poll_id)[THEMES]["theme_ids"]


def summary(matches):
    return [(m.match.theme_id, m.match.interested, m.match.leading, m.highlighted) for m in matches]


def test_matches_count_interest_and_leaders_with_default_threshold(interest, poll_id):
    first, second, third = theme_ids(interest, poll_id)
    matches = load(interest.a.tenant, poll_id, poll_matches.theme_matches, with_companies=True)
    # The plugin's default threshold is 3: only the first theme is a match.
    assert summary(matches) == [(first, 4, 2, True), (second, 2, 0, False), (third, 0, 0, False)]
    assert [name for _id, name in matches[0].companies] == list(NAMES)
    assert set(matches[0].match.company_ids) == {interest.company_ids[n] for n in NAMES}
    assert matches[0].match.source == "Samenwerken op Aalsvoort"
    with tenant_scope(interest.a.tenant):
        assert matches[0].match.theme_name == db.session.get(Theme, first).name_nl  # the poll's language


def test_threshold_from_plugin_setting_and_poll_override(interest, poll_id):
    first, second, _third = theme_ids(interest, poll_id)
    tenant = interest.a.tenant
    update_plugin_settings(tenant, "polls", {"match_threshold": 2})
    db.session.commit()
    assert load(tenant, poll_id, poll_matches.match_threshold) == 2
    highlighted = [
        m.match.theme_id for m in load(tenant, poll_id, poll_matches.theme_matches) if m.highlighted
    ]
    assert highlighted == [first, second]

    set_poll(tenant, poll_id, match_threshold=5)  # the poll's own threshold wins
    assert load(tenant, poll_id, poll_matches.match_threshold) == 5
    assert not any(m.highlighted for m in load(tenant, poll_id, poll_matches.theme_matches))
    # An explicit threshold overrides both.
    assert [m.highlighted for m in load(tenant, poll_id, poll_matches.theme_matches, 4)][0] is True


def test_a_company_counts_once_when_several_people_answer(polls_world, poll_id):
    pw = polls_world
    set_poll(pw.a.tenant, poll_id, response_unit=ResponseUnit.PERSON)
    alpha = pw.company_ids["Alpha Bouw BV"]
    add_response(
        pw.a.tenant,
        poll_id,
        {THEMES: [2, 1, 1]},
        company_id=alpha,
        contact_person_id=pw.contact_ids["anna@alpha.test"],
    )
    add_response(
        pw.a.tenant,
        poll_id,
        {THEMES: [1, 1, 1]},
        company_id=alpha,
        contact_person_id=pw.contact_ids["arie@alpha.test"],
    )
    add_response(pw.a.tenant, poll_id, {THEMES: [1, 0, 0]})  # a panel member without a company
    first, *_ = theme_ids(pw, poll_id)
    [top, *_rest] = load(pw.a.tenant, poll_id, poll_matches.theme_matches, with_companies=True)
    assert (top.match.theme_id, top.match.interested, top.match.leading) == (first, 2, 1)
    assert top.match.company_ids == (alpha,)


def test_anonymous_poll_matches_have_counts_but_no_companies(interest, poll_id):
    set_poll(interest.a.tenant, poll_id, anonymous=True)
    with tenant_scope(interest.a.tenant):
        from plugins.polls.models import PollResponse

        # What anonymous submission does: the responses keep no company.
        for response in db.session.query(PollResponse).all():
            response.company_id = None
        db.session.flush()
    db.session.commit()
    matches = load(interest.a.tenant, poll_id, poll_matches.theme_matches, with_companies=True)
    assert summary(matches)[0][1:] == (4, 2, True)
    assert all(m.match.company_ids == () and m.companies == () for m in matches)
    assert all(
        m.company_ids == () for m in load(interest.a.tenant, poll_id, poll_matches.cooperation_matches)
    )


def test_tenant_b_matches_are_its_own(interest, b_poll_id):
    matches = load(interest.b.tenant, b_poll_id, poll_matches.cooperation_matches)
    assert [(m.interested, m.leading, m.company_ids) for m in matches] == [
        (1, 1, (interest.b_company_id,))
    ] * 3


# --- on the results page -------------------------------------------------------------------------


def test_results_page_shows_counts_and_links_each_match(interest, poll_id, client, login_as):
    first, second, _third = theme_ids(interest, poll_id)
    login_as(interest.a.admin)
    body = client.get(f"/kring-a/polls/{poll_id}/results").get_data(as_text=True)
    assert "4 companies interested in cooperating" in body
    assert f"/kring-a/polls/{poll_id}/results/themes/{first}" in body
    assert f"/kring-a/polls/{poll_id}/results/themes/{second}" in body


def test_match_disclosure_loads_companies_and_followups_into_the_results_page(
    interest, poll_id, client, login_as
):
    enable_plugin(interest.a.tenant, "dummy")
    db.session.commit()
    first, *_ = theme_ids(interest, poll_id)
    match_url = f"/kring-a/polls/{poll_id}/results/themes/{first}"
    login_as(interest.a.admin)
    body = client.get(f"/kring-a/polls/{poll_id}/results").get_data(as_text=True)
    # The disclosure asks for the match when opened, into its own box; the names are not on the page.
    assert f'hx-get="{match_url}" hx-trigger="toggle once"' in body
    assert f'hx-target="#match-detail-{first}"' in body and f'id="match-detail-{first}"' in body
    assert "Bakkerij Berends" not in body

    fragment = client.get(match_url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "<h1" not in html
    assert '<h4 id="companies-heading-' in html  # under the match's h3 on the results page
    for name in NAMES:
        assert name in html
    assert [f["action"] for f in Forms(html).forms if "dummy follow-up" in f["text"]] == [
        "/kring-a/dummy/followups/note"
    ]
    # Tenant B's address gives no fragment of A's poll either.
    assert (
        client.get(match_url.replace("kring-a", "kring-b"), headers={"HX-Request": "true"}).status_code == 404
    )


def test_match_page_offers_followup_that_posts_to_the_other_plugin(interest, poll_id, client, login_as):
    enable_plugin(interest.a.tenant, "dummy")
    db.session.commit()
    dummy_views.followups_received.clear()
    first, *_ = theme_ids(interest, poll_id)
    login_as(interest.a.admin)
    page = client.get(f"/kring-a/polls/{poll_id}/results/themes/{first}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for name in NAMES:
        assert name in body
    assert "Elektro Eefde" not in body  # not interested
    forms = [f for f in Forms(body).forms if "dummy follow-up" in f["text"]]
    assert len(forms) == 1
    form = forms[0]
    assert form["action"] == "/kring-a/dummy/followups/note"
    answer = client.post(form["action"], data=form["fields"])
    assert answer.status_code == 200
    [received] = dummy_views.followups_received
    assert received["theme_id"] == str(first)
    assert sorted(map(int, received["company_ids"])) == sorted(interest.company_ids[n] for n in NAMES)
    assert received["source"] == "Samenwerken op Aalsvoort"
    assert received["source_url"].endswith(f"/kring-a/polls/{poll_id}/results")


def test_no_followup_below_the_threshold(interest, poll_id, client, login_as):
    enable_plugin(interest.a.tenant, "dummy")
    db.session.commit()
    _first, second, _third = theme_ids(interest, poll_id)
    login_as(interest.a.admin)
    body = client.get(f"/kring-a/polls/{poll_id}/results/themes/{second}").get_data(as_text=True)
    assert "dummy follow-up" not in body
    assert "A follow-up can start once the theme is a match." in body


def test_without_an_offering_plugin_the_page_says_how_to_get_one(interest, poll_id, client, login_as):
    first, *_ = theme_ids(interest, poll_id)
    login_as(interest.a.admin)
    body = client.get(f"/kring-a/polls/{poll_id}/results/themes/{first}").get_data(as_text=True)
    assert "None of the modules enabled for this organisation offers a follow-up yet." in body
    assert "dummy follow-up" not in body


def test_anonymous_match_page_names_nobody(interest, poll_id, client, login_as):
    set_poll(interest.a.tenant, poll_id, anonymous=True)
    enable_plugin(interest.a.tenant, "dummy")
    db.session.commit()
    first, *_ = theme_ids(interest, poll_id)
    login_as(interest.a.admin)
    body = client.get(f"/kring-a/polls/{poll_id}/results/themes/{first}").get_data(as_text=True)
    for name in NAMES:
        assert name not in body
    [form] = [f for f in Forms(body).forms if "dummy follow-up" in f["text"]]
    assert "company_ids" not in form["fields"]


def test_match_page_visibility_and_unknown_themes(interest, poll_id, client, login_as):
    first, *_ = theme_ids(interest, poll_id)
    login_as(interest.a.member)  # results are for the board by default
    assert client.get(f"/kring-a/polls/{poll_id}/results/themes/{first}").status_code == 403
    client.post("/account/logout")
    login_as(interest.a.admin)
    with tenant_scope(interest.a.tenant):
        unused = db.session.query(Theme).order_by(Theme.position.desc()).first().id
    assert client.get(f"/kring-a/polls/{poll_id}/results/themes/{unused}").status_code == 404


def test_matches_of_tenant_a_are_not_reachable_from_tenant_b(interest, poll_id, client, login_as):
    first, *_ = theme_ids(interest, poll_id)
    login_as(interest.b.admin)
    for tenant in ("kring-b", "kring-a"):
        assert client.get(f"/{tenant}/polls/{poll_id}/results").status_code == 404
        assert client.get(f"/{tenant}/polls/{poll_id}/results/themes/{first}").status_code == 404


def test_a_theme_asked_twice_counts_each_company_once(interest, poll_id):
    """The fast path (counting answer rows) holds only when a theme is asked once;
    asked twice, the distinct count must still see each company once."""
    from plugins.polls.models import PollOption, PollQuestion, QuestionKind

    first, second, _third = theme_ids(interest, poll_id)
    tenant = interest.a.tenant
    with tenant_scope(tenant):
        again = PollQuestion(
            poll_id=poll_id,
            kind=QuestionKind.THEME_INTEREST,
            text="Nog eens",
            position=20,
            options=[PollOption(label="Eerste thema", theme_id=first, position=0)],
        )
        db.session.add(again)
        db.session.flush()
        option_id = again.options[0].id
        question_id = again.id
        from plugins.polls.models import PollAnswer, PollResponse

        # Every company that answered says "lead" on the repeated theme too.
        for response in db.session.query(PollResponse).all():
            db.session.add(
                PollAnswer(
                    poll_id=poll_id,
                    response_id=response.id,
                    question_id=question_id,
                    option_id=option_id,
                    value_number=2,
                )
            )
        db.session.flush()
    db.session.commit()
    matches = {m.match.theme_id: m.match for m in load(tenant, poll_id, poll_matches.theme_matches)}
    # All five companies now interested in the first theme (Elektro through the new question), once each.
    assert (matches[first].interested, matches[first].leading) == (5, 5)
    assert (matches[second].interested, matches[second].leading) == (2, 0)  # still from the row counts
