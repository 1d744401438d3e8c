"""What waits for a signed-in person on the tenant home: the open polls their
contact persons are invited to and have not answered, soonest end first, each
with a button that opens their own answer page; an empty state when nothing
waits. Another tenant's polls never show, nor do answered, closed or draft polls,
nor another person's invitations. Operators land on the console after signing in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from lxml import html as lxml_html  # python-docx's dependency
from sqlalchemy import select

from kringwerk.extensions import db, utcnow
from kringwerk.members.models import ContactPerson
from kringwerk.tenancy import tenant_scope
from plugins.polls import invitations
from plugins.polls.models import Poll, PollInvitation, PollState
from plugins.polls.waiting import waiting_polls
from tests.plugins.polls.conftest import make_poll


def region(response, heading: str):
    """The section labelled by ``heading`` on the page, or None."""
    found = lxml_html.fromstring(response.get_data(as_text=True)).xpath(f'//*[@aria-labelledby="{heading}"]')
    return found[0] if found else None


def text_of(element) -> str:
    return " ".join(element.text_content().split())


def invite_all(tenant, poll_id, *, answered: tuple[str, ...] = ()) -> None:
    """Invitations for the poll's audience, marked sent (and answered for ``answered``)."""
    with tenant_scope(tenant):
        invitations.create_invitations(db.session.get(Poll, poll_id))
        for row in db.session.scalars(select(PollInvitation).where(PollInvitation.poll_id == poll_id)):
            row.sent_at = utcnow()
            if row.email in answered:
                row.responded_at = utcnow()
        db.session.commit()


def link_contact(tenant, user, **where) -> None:
    with tenant_scope(tenant):
        contact = db.session.scalar(select(ContactPerson).filter_by(**where))
        contact.user_id = user.id
        db.session.commit()


@pytest.fixture
def waiting(polls_world):
    """Tenant A: Bert (contact of Bakkerij Berends) is A's member. Open polls ending in
    3 and 9 days wait for him; an answered one, a closed one, a draft and a poll
    not sent to him do not. Tenant B: A's member is also a contact there, invited
    to B's open poll, which must not show on A's home."""
    pw = polls_world
    now = utcnow()
    link_contact(pw.a.tenant, pw.a.member, email="bert@berends.test")
    late = make_poll(pw.a.tenant, title="Late poll", closes_at=now + timedelta(days=9))
    soon = make_poll(pw.a.tenant, title="Soon poll", closes_at=now + timedelta(days=3))
    answered = make_poll(pw.a.tenant, title="Answered poll")
    closed = make_poll(pw.a.tenant, title="Closed poll", state=PollState.CLOSED)
    draft = make_poll(pw.a.tenant, title="Draft poll", state=PollState.DRAFT)
    make_poll(pw.a.tenant, title="Not sent poll")
    for poll in (late, soon, closed, draft):
        invite_all(pw.a.tenant, poll)
    invite_all(pw.a.tenant, answered, answered=("bert@berends.test",))
    b_poll = make_poll(pw.b.tenant, title="Poll of tenant B")
    with tenant_scope(pw.b.tenant):
        db.session.get(ContactPerson, pw.b_contact_id).user_id = pw.a.member.id
        db.session.commit()
    invite_all(pw.b.tenant, b_poll)
    pw.poll_ids = {"late": late, "soon": soon, "b": b_poll}
    return pw


@pytest.mark.both_databases  # EXISTS over responses under row-level security too
def test_waiting_polls_are_the_persons_own_open_unanswered_ones(app, waiting):
    with app.test_request_context(), tenant_scope(waiting.a.tenant):  # the items carry urls
        items = waiting_polls(waiting.a.tenant, waiting.a.member)
        assert [item.title for item in items] == ["Soon poll", "Late poll"]
        assert all(item.kind == "poll" and item.due is not None and item.post for item in items)
        assert items[0].url == f"/kring-a/polls/{waiting.poll_ids['soon']}/my-answer"
        assert waiting_polls(waiting.a.tenant, waiting.a.admin) == []  # no contact person: nothing waits
    with app.test_request_context(), tenant_scope(waiting.b.tenant):
        assert [item.title for item in waiting_polls(waiting.b.tenant, waiting.a.member)] == [
            "Poll of tenant B"
        ]
        assert waiting_polls(waiting.b.tenant, waiting.b.member) == []


def test_the_home_lists_them_soonest_first_and_opens_the_answer_page(waiting, client, login_as):
    login_as(waiting.a.member)
    response = client.get("/kring-a/")
    assert response.status_code == 200
    box = region(response, "waiting-heading")
    assert box is not None
    text = text_of(box)
    assert text.index("Soon poll") < text.index("Late poll")
    assert "Answered poll" not in text and "Closed poll" not in text and "Draft poll" not in text
    assert "Poll of tenant B" not in response.get_data(as_text=True)
    assert "Closes" in text  # the due date is shown
    forms = box.xpath(".//form[@method='post']")
    assert len(forms) == 2
    first = forms[0].get("action")
    assert first == f"/kring-a/polls/{waiting.poll_ids['soon']}/my-answer"
    opened = client.post(first)
    assert opened.status_code == 303
    answer_url = opened.headers["Location"]
    assert re.search(rf"/kring-a/polls/{waiting.poll_ids['soon']}/a/[A-Za-z0-9_-]+$", answer_url)
    assert client.get(answer_url).status_code == 200
    # GET does nothing; another tenant's poll and a poll with nothing waiting answer 404.
    assert client.get(first).status_code == 405
    assert client.post(f"/kring-a/polls/{waiting.poll_ids['b']}/my-answer").status_code == 404
    assert client.post(f"/kring-b/polls/{waiting.poll_ids['b']}/my-answer").status_code == 404


def test_someone_with_nothing_waiting_gets_an_empty_state(waiting, client, login_as):
    login_as(waiting.a.facilitator)
    box = region(client.get("/kring-a/"), "waiting-heading")
    assert "Nothing waits for you" in text_of(box)
    assert client.post(f"/kring-a/polls/{waiting.poll_ids['soon']}/my-answer").status_code == 404


def test_recent_activity_is_the_persons_own(waiting, client, login_as):
    from kringwerk.audit.services import record

    with tenant_scope(waiting.a.tenant):
        record("member.invited", actor=waiting.a.admin, target_label="secret@x.test")
        record("profile.updated", actor=waiting.a.member, target_label="own change")
        db.session.commit()
    with tenant_scope(waiting.b.tenant):
        record("company.created", actor=waiting.b.admin, target_label="B's company")
        db.session.commit()
    login_as(waiting.a.member)
    response = client.get("/kring-a/")
    box = region(response, "activity-heading")
    assert box is not None and len(box.xpath(".//li")) == 1 and "own change" in text_of(box)
    assert "secret@x.test" not in response.get_data(as_text=True)
    client.post("/account/logout")
    login_as(waiting.a.admin)  # the admin reads the whole trail of A, never B's
    text = text_of(region(client.get("/kring-a/"), "activity-heading"))
    assert "secret@x.test" in text and "B's company" not in text


def test_the_operator_lands_on_the_console(world, client):
    response = client.post("/account/login", data={"email": world.operator.email, "password": world.password})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/operator/")
    landing = client.get("/").get_data(as_text=True)
    assert "not a member of any organisation" not in landing and 'href="/operator/"' in landing
    member = client.post("/account/logout")
    assert member.status_code == 302
    response = client.post("/account/login", data={"email": world.a.member.email, "password": world.password})
    assert not response.headers["Location"].endswith("/operator/")


@pytest.mark.both_databases
def test_waiting_polls_cost_one_statement_whatever_waits_built_once(app, waiting, monkeypatch):
    """Issue 15: the home's waiting polls are one statement however many polls and
    invitations wait, and that statement is built once per process, not per request
    (building it cost more than running it)."""
    from sqlalchemy import event

    from plugins.polls import waiting as waiting_module

    built = []
    real_aliased = waiting_module.aliased
    monkeypatch.setattr(waiting_module, "aliased", lambda *a, **k: built.append(1) or real_aliased(*a, **k))
    waiting_module._waiting_statement.cache_clear()
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        with app.test_request_context(), tenant_scope(waiting.a.tenant):
            db.session.refresh(waiting.a.tenant)  # loaded before counting
            db.session.refresh(waiting.a.member)
            before = len(statements)
            two = waiting_polls(waiting.a.tenant, waiting.a.member)
            assert len(statements) - before == 1
            third = make_poll(waiting.a.tenant, title="Third poll")
            invite_all(waiting.a.tenant, third)
            db.session.refresh(waiting.a.tenant)
            db.session.refresh(waiting.a.member)
            before = len(statements)
            three = waiting_polls(waiting.a.tenant, waiting.a.member)
            assert len(statements) - before == 1
        with app.test_request_context(), tenant_scope(waiting.b.tenant):
            other = waiting_polls(waiting.b.tenant, waiting.a.member)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert (len(two), len(three)) == (2, 3)
    assert "Poll of tenant B" not in {item.title for item in three}  # the other tenant stays out
    assert [item.title for item in other] == ["Poll of tenant B"]
    assert len(built) == 1  # three calls in two tenants, one statement built
