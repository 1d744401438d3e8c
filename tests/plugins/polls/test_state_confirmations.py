"""Changing a poll's state says what happens: closing asks first on a page of its
own (its form POSTs), and opening a poll without questions answers the poll's
page with the reason next to the button, not an error page. Tenant B reaches
neither for tenant A's poll."""

from __future__ import annotations

from lxml import html as lxml_html  # python-docx's dependency
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.polls.models import Poll, PollState
from tests.members.support import page_text
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_builder_views import HTMX, NEW_POLL, base, load

EMPTY = "Add at least one question before opening the poll."


def test_closing_asks_first(polls_world, login_as):
    poll_id = make_poll(polls_world.a.tenant)
    client = login_as(polls_world.a.admin)
    page = lxml_html.fromstring(client.get(f"{base(poll_id)}/").get_data(as_text=True))
    # The poll's page links to the question; it does not close at one click.
    assert page.xpath(f'//a[@href="{base(poll_id)}/close"]')
    assert not page.xpath(f'//form[@action="{base(poll_id)}/close"]')

    asked = client.get(f"{base(poll_id)}/close")
    assert asked.status_code == 200
    text = page_text(asked)
    assert "Close the poll" in text and "can reopen it" in text
    form = lxml_html.fromstring(asked.get_data(as_text=True)).xpath(
        f'//form[@action="{base(poll_id)}/close"]'
    )
    assert form and form[0].get("method") == "post"
    assert load(polls_world.a.tenant, Poll, poll_id).state == PollState.OPEN  # GET changed nothing

    done = client.post(f"{base(poll_id)}/close")
    assert done.status_code == 302
    assert load(polls_world.a.tenant, Poll, poll_id).state == PollState.CLOSED


def test_tenant_b_cannot_reach_the_question(polls_world, login_as, b_poll_id):
    poll_id = make_poll(polls_world.a.tenant)
    client = login_as(polls_world.b.admin)
    assert client.get(f"/kring-b/polls/{poll_id}/close").status_code == 404  # A's poll under B's address
    assert client.get(f"/kring-a/polls/{poll_id}/close").status_code == 404
    assert client.get(f"/kring-b/polls/{b_poll_id}/close").status_code == 200  # its own poll
    assert load(polls_world.a.tenant, Poll, poll_id).state == PollState.OPEN


def test_opening_an_empty_poll_says_why_next_to_the_button(polls_world, login_as):
    client = login_as(polls_world.a.admin)
    client.post("/kring-a/polls/new", data=NEW_POLL)
    with tenant_scope(polls_world.a.tenant):
        poll_id = db.session.scalar(select(Poll.id))
    response = client.post(f"{base(poll_id)}/open")
    assert response.status_code == 409
    page = lxml_html.fromstring(response.get_data(as_text=True))
    assert (
        page.xpath("//h1")[0].text_content().strip() == NEW_POLL["title"]
    )  # the poll's page, not "Fout 409"
    state = page.xpath('//*[@id="poll-state"]')[0]
    alert = state.xpath('.//*[@role="alert"]')
    assert alert and EMPTY in alert[0].text_content()
    fragment = client.post(f"{base(poll_id)}/open", headers=HTMX)
    assert fragment.status_code == 409
    assert "<html" not in fragment.get_data(as_text=True) and EMPTY in page_text(fragment)
    assert 'id="poll-state"' in page_text(fragment)
    assert load(polls_world.a.tenant, Poll, poll_id).state == PollState.DRAFT
