"""Whether members see which company gave an open answer: only when the poll says so
(``Poll.names_to_members``, off by default, chosen in the builder), and the answer
page tells respondents beforehand what will be shown to whom."""

from __future__ import annotations

import pytest

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.polls import services
from plugins.polls.models import Poll, ResultsVisibility
from tests.members.support import page_text
from tests.plugins.polls.test_answering import invite
from tests.plugins.polls.test_builder_views import NEW_POLL
from tests.plugins.polls.test_results import LONG, SINGLE, add_response, items, set_poll


@pytest.fixture
def published(polls_world, poll_id, b_poll_id):
    """Tenant A's poll with Alpha's open answer, its results shared with members."""
    w = polls_world
    add_response(
        w.a.tenant, poll_id, {SINGLE: "Ja", LONG: "Samen sterk"}, company_id=w.company_ids["Alpha Bouw BV"]
    )
    add_response(w.b.tenant, b_poll_id, {SINGLE: "Ja", LONG: "Bravo's answer"}, company_id=w.b_company_id)
    set_poll(w.a.tenant, poll_id, results_visibility=ResultsVisibility.MEMBERS)
    return w


def _open_answers(client, tenant, poll_id):
    question = items(tenant, poll_id)[LONG]["id"]
    return client.get(f"/{tenant.slug}/polls/{poll_id}/results/questions/{question}")


def test_members_see_no_company_names_unless_the_poll_says_so(
    published, poll_id, b_poll_id, client, login_as
):
    w = published
    login_as(w.a.member)
    page = _open_answers(client, w.a.tenant, poll_id)
    assert page.status_code == 200 and "Samen sterk" in page_text(page)
    assert "Alpha Bouw BV" not in page_text(page)
    assert _open_answers(client, w.b.tenant, b_poll_id).status_code == 404  # not a member of B
    client.post("/account/logout")
    login_as(w.a.admin)  # the board sees whose answer it is
    assert "Alpha Bouw BV" in page_text(_open_answers(client, w.a.tenant, poll_id))
    client.post("/account/logout")

    set_poll(w.a.tenant, poll_id, names_to_members=True)
    login_as(w.a.member)
    assert "Alpha Bouw BV" in page_text(_open_answers(client, w.a.tenant, poll_id))


def test_anonymous_polls_show_no_names_even_when_set(published, poll_id, client, login_as):
    set_poll(published.a.tenant, poll_id, names_to_members=True, anonymous=True)
    login_as(published.a.admin)
    assert "Alpha Bouw BV" not in page_text(_open_answers(client, published.a.tenant, poll_id))


@pytest.mark.parametrize(
    "changes, shown",
    [
        ({}, "they see your written answers without your company's name"),
        ({"names_to_members": True}, "they also see your company's name next to your written answers"),
        ({"anonymous": True}, "This poll is anonymous"),
    ],
)
def test_the_answer_page_says_what_is_shown_to_whom(polls_world, poll_id, client, changes, shown):
    w = polls_world
    set_poll(w.a.tenant, poll_id, language="en", **changes)
    token = invite(w.a.tenant, poll_id, "bert@berends.test", w.company_ids["Bakkerij Berends"], None)
    html = page_text(client.get(f"/{w.a.tenant.slug}/polls/{poll_id}/a/{token}"))
    assert shown in html
    if changes.get("anonymous"):
        assert "company's name" not in html


def test_the_builder_sets_it_and_the_settings_show_it(polls_world, client, login_as):
    w = polls_world
    login_as(w.a.admin)
    data = {**NEW_POLL, "title": "Namen tonen", "names_to_members": "y"}
    created = client.post("/kring-a/polls/new", data=data)
    assert created.status_code == 302, page_text(created)[:2000]
    with tenant_scope(w.a.tenant):
        poll = db.session.scalar(db.select(Poll).where(Poll.title == "Namen tonen"))
        assert poll.names_to_members is True
        poll_id = poll.id
        db.session.commit()  # end the test's read, so the poll reloads after the edit
    page = page_text(client.get(f"/kring-a/polls/{poll_id}/"))
    assert "Members see company names with open answers" in page
    edited = client.post(f"/kring-a/polls/{poll_id}/edit", data={**data, "names_to_members": ""})
    assert edited.status_code == 302
    with tenant_scope(w.a.tenant):
        assert db.session.get(Poll, poll_id).names_to_members is False
    with tenant_scope(w.b.tenant):  # tenant B has no such poll
        assert db.session.scalar(db.select(Poll).where(Poll.title == "Namen tonen")) is None


def test_names_cannot_be_shown_to_members_once_people_answered_without(published, poll_id):
    """Respondents were told members would not see their company: that promise stands."""
    w = published
    with tenant_scope(w.a.tenant):
        poll = db.session.get(Poll, poll_id)
        with pytest.raises(services.PollError):
            services.update_poll(poll, {"names_to_members": True}, actor=w.a.admin)
        db.session.rollback()
    set_poll(w.a.tenant, poll_id, names_to_members=True)
    with tenant_scope(w.a.tenant):  # hiding them again breaks no promise
        services.update_poll(db.session.get(Poll, poll_id), {"names_to_members": False}, actor=w.a.admin)
        db.session.commit()
        assert db.session.get(Poll, poll_id).names_to_members is False
