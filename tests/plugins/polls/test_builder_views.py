"""The poll builder's pages: the list, creating and editing polls, the htmx
question editor (with and without JavaScript), preview, copy, delete and the
state buttons. Builders only (403 for other members); tenant B gets 404 on
tenant A's polls and questions."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.polls.models import Poll, PollQuestion, PollResponse, PollState, ResponseStatus
from tests.members.support import count_queries, page_text
from tests.plugins.polls.conftest import make_poll

HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


def base(poll_id: int) -> str:
    return f"/kring-a/polls/{poll_id}"


def question_ids(tenant, poll_id: int) -> list[int]:
    db.session.expire_all()
    with tenant_scope(tenant):
        return list(
            db.session.scalars(
                select(PollQuestion.id).where(PollQuestion.poll_id == poll_id).order_by(PollQuestion.position)
            )
        )


def load(tenant, model, object_id):
    db.session.expire_all()
    with tenant_scope(tenant):
        row = db.session.get(model, object_id)
        if row is not None:
            db.session.refresh(row)
        return row


def labels(tenant, question_id: int) -> list[str]:
    db.session.expire_all()
    with tenant_scope(tenant):
        return [option.label for option in db.session.get(PollQuestion, question_id).options]


def add_response(tenant, poll_id: int) -> None:
    with tenant_scope(tenant):
        db.session.add(PollResponse(poll_id=poll_id, status=ResponseStatus.SUBMITTED, draft={}))
        db.session.flush()
    db.session.commit()


NEW_POLL = {
    "title": "Energie op Aalsvoort",
    "introduction": "Samen verduurzamen",
    "language": "nl",
    "opens_at": "2030-12-01T10:00",
    "closes_at": "2030-12-15T17:30",
    "response_unit": "company",
    "match_threshold": "",
}


# --- the list ------------------------------------------------------------------------------------


def test_members_see_open_and_closed_polls_only(polls_world, login_as, b_poll_id):
    make_poll(polls_world.a.tenant, title="Open peiling")
    make_poll(polls_world.a.tenant, title="Concept peiling", state=PollState.DRAFT)
    make_poll(polls_world.a.tenant, title="Gesloten peiling", state=PollState.CLOSED)
    text = page_text(login_as(polls_world.a.member).get("/kring-a/polls/"))
    assert "Open peiling" in text and "Gesloten peiling" in text
    assert "Concept peiling" not in text and "New poll" not in text
    assert "Poll of tenant B" not in text


def test_builders_see_every_poll_with_counts(polls_world, login_as, poll_id, b_poll_id):
    make_poll(polls_world.a.tenant, title="Concept peiling", state=PollState.DRAFT)
    add_response(polls_world.a.tenant, poll_id)
    add_response(polls_world.a.tenant, poll_id)
    for user in (polls_world.a.admin, polls_world.a.facilitator):
        client = login_as(user)
        text = page_text(client.get("/kring-a/polls/"))
        assert "Concept peiling" in text and "New poll" in text and "Draft" in text
        assert f'href="/kring-a/polls/{poll_id}/"' in text
        assert re.search(r"<td>2</td>", text)  # the two submitted responses
        assert "Poll of tenant B" not in text
        client.post("/account/logout")


def test_empty_list_says_so(polls_world, login_as):
    text = page_text(login_as(polls_world.a.admin).get("/kring-a/polls/"))
    assert "There are no polls yet" in text


def test_list_fragment_for_htmx(polls_world, login_as, poll_id):
    response = login_as(polls_world.a.admin).get("/kring-a/polls/", headers=HTMX)
    assert response.status_code == 200
    text = page_text(response)
    assert 'id="poll-list"' in text and "<html" not in text


def count_index_queries(client) -> int:
    with count_queries() as statements:
        assert client.get("/kring-a/polls/").status_code == 200
    return len(statements)


def test_list_queries_do_not_grow_with_the_polls(polls_world, login_as):
    client = login_as(polls_world.a.admin)
    for index in range(2):
        make_poll(polls_world.a.tenant, title=f"Peiling {index}")
    client.get("/kring-a/polls/")  # warm caches
    small = count_index_queries(client)
    for index in range(18):
        make_poll(polls_world.a.tenant, title=f"Meer {index}")
    client.get("/kring-a/polls/")  # the first request after a write builds the list
    large = count_index_queries(client)
    assert small == large


# --- permissions and tenancy ----------------------------------------------------------------------------


def builder_urls(poll_id: int, question_id: int) -> list[tuple[str, str]]:
    root = base(poll_id)
    question = f"{root}/questions/{question_id}"
    return [
        ("get", "/kring-a/polls/new"),
        ("post", "/kring-a/polls/new"),
        ("get", f"{root}/"),
        ("get", f"{root}/edit"),
        ("post", f"{root}/edit"),
        ("get", f"{root}/questions"),
        ("post", f"{root}/questions/new"),
        ("get", question),
        ("post", question),
        ("post", f"{question}/move"),
        ("get", f"{question}/remove"),
        ("post", f"{question}/remove"),
        ("get", f"{root}/preview"),
        ("post", f"{root}/copy"),
        ("get", f"{root}/delete"),
        ("post", f"{root}/delete"),
        ("post", f"{root}/open"),
        ("post", f"{root}/close"),
        ("post", f"{root}/reopen"),
    ]


def test_plain_members_and_officials_get_403_on_builder_pages(polls_world, login_as, poll_id):
    question_id = question_ids(polls_world.a.tenant, poll_id)[1]
    for user in (polls_world.a.member, polls_world.a.official):
        client = login_as(user)
        for method, url in builder_urls(poll_id, question_id):
            assert getattr(client, method)(url, data={"direction": "up"}).status_code == 403, (method, url)
        client.post("/account/logout")
    assert question_ids(polls_world.a.tenant, poll_id)[1] == question_id
    assert load(polls_world.a.tenant, Poll, poll_id).state == PollState.OPEN


def test_tenant_b_gets_404_on_tenant_a_polls(polls_world, login_as, poll_id, b_poll_id):
    question_id = question_ids(polls_world.a.tenant, poll_id)[1]
    client = login_as(polls_world.b.admin)
    for method, url in builder_urls(poll_id, question_id):
        if url == "/kring-a/polls/new":
            continue
        # Through tenant B's own address: the poll id of A does not exist there.
        url = url.replace("/kring-a/", "/kring-b/")
        assert getattr(client, method)(url, data={"direction": "up"}).status_code == 404, (method, url)
    # And tenant A's address is not B's admin's at all.
    assert client.get(f"{base(poll_id)}/").status_code == 404
    assert load(polls_world.a.tenant, Poll, poll_id) is not None
    assert len(question_ids(polls_world.a.tenant, poll_id)) == 11


def test_a_question_of_another_poll_is_404(polls_world, login_as, poll_id):
    other = make_poll(polls_world.a.tenant, title="Andere")
    other_question = question_ids(polls_world.a.tenant, other)[1]
    client = login_as(polls_world.a.admin)
    root = f"{base(poll_id)}/questions/{other_question}"
    assert client.get(root).status_code == 404
    assert client.post(f"{root}/move", data={"direction": "up"}).status_code == 404
    assert client.post(f"{root}/remove").status_code == 404
    assert question_ids(polls_world.a.tenant, other)[1] == other_question


# --- creating and editing a poll ----------------------------------------------------------------------------


def test_new_poll_stores_local_times_in_utc(polls_world, login_as):
    client = login_as(polls_world.a.facilitator)
    assert client.get("/kring-a/polls/new").status_code == 200
    response = client.post("/kring-a/polls/new", data=NEW_POLL)
    assert response.status_code == 302
    with tenant_scope(polls_world.a.tenant):
        poll = db.session.scalar(select(Poll))
        assert poll.title == "Energie op Aalsvoort" and poll.state == PollState.DRAFT
        # 10:00 in Amsterdam in December (CET, UTC+1) is 09:00 UTC.
        assert poll.opens_at == datetime(2030, 12, 1, 9, 0, tzinfo=UTC)
        assert poll.closes_at == datetime(2030, 12, 15, 16, 30, tzinfo=UTC)
        poll_id = poll.id
    assert response.headers["Location"].endswith(f"/kring-a/polls/{poll_id}/questions")
    # Shown back in local time.
    form = page_text(client.get(f"{base(poll_id)}/edit"))
    assert 'value="2030-12-01T10:00"' in form and 'value="2030-12-15T17:30"' in form
    with tenant_scope(polls_world.b.tenant):
        assert db.session.scalar(select(func.count(Poll.id))) == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "Enter a title."),
        ({"closes_at": "2030-11-30T10:00"}, "closes_at", "The poll must close after it opens."),
        ({"opens_at": "tomorrow"}, "opens_at", ""),
        ({"match_threshold": "0"}, "match_threshold", "1 to 1000"),
        ({"language": "de"}, "language", "Choose one of the options"),
    ],
)
def test_new_poll_errors_answer_422_and_keep_what_was_typed(polls_world, login_as, changes, field, message):
    response = login_as(polls_world.a.admin).post("/kring-a/polls/new", data={**NEW_POLL, **changes})
    assert response.status_code == 422
    text = page_text(response)
    assert f'id="{field}-error"' in text and message in text
    assert 'value="Samen verduurzamen"' in text or "Samen verduurzamen</textarea>" in text
    with tenant_scope(polls_world.a.tenant):
        assert db.session.scalar(select(func.count(Poll.id))) == 0


def test_edit_poll_with_responses_refuses_locked_settings(polls_world, login_as, poll_id):
    add_response(polls_world.a.tenant, poll_id)
    client = login_as(polls_world.a.admin)
    data = {**NEW_POLL, "opens_at": "2026-01-01T10:00", "language": "en", "title": "Nieuw"}
    response = client.post(f"{base(poll_id)}/edit", data=data)
    assert response.status_code == 409
    assert "already has responses" in page_text(response)
    assert load(polls_world.a.tenant, Poll, poll_id).language == "nl"
    data["language"] = "nl"
    assert client.post(f"{base(poll_id)}/edit", data=data).status_code == 302
    assert load(polls_world.a.tenant, Poll, poll_id).title == "Nieuw"


def test_poll_overview_links_everywhere(polls_world, login_as, poll_id):
    text = page_text(login_as(polls_world.a.admin).get(f"{base(poll_id)}/"))
    for path in ("edit", "questions", "preview", "audience", "results", "copy", "delete", "close"):
        assert f"/kring-a/polls/{poll_id}/{path}" in text, path


# --- the question editor ----------------------------------------------------------------------------------


def question_data(prefix="new", **values) -> dict:
    data = {
        "kind": "single_choice",
        "text": "Doet u mee?",
        "help_text": "",
        "options": "Ja\nNee",
        "scale": "1-5",
        "condition_option_id": "",
    }
    data.update(values)
    return {f"{prefix}-{key}": value for key, value in data.items()}


def test_editor_lists_the_items(polls_world, login_as, poll_id):
    text = page_text(login_as(polls_world.a.admin).get(f"{base(poll_id)}/questions"))
    assert "Bent u lid van de kring?" in text and "Verdeel 100 punten" in text
    assert text.count('class="poll-item ') == 11
    assert "Shown only when the answer to" in text  # the conditional long text


def test_add_question_without_javascript_redirects(polls_world, login_as):
    poll_id = make_poll(polls_world.a.tenant, state=PollState.DRAFT)
    client = login_as(polls_world.a.admin)
    response = client.post(f"{base(poll_id)}/questions/new", data=question_data(required="y"))
    assert response.status_code == 302
    new_id = question_ids(polls_world.a.tenant, poll_id)[-1]
    assert response.headers["Location"].endswith(f"/questions#question-{new_id}")
    question = load(polls_world.a.tenant, PollQuestion, new_id)
    assert question.text == "Doet u mee?" and question.required
    assert labels(polls_world.a.tenant, new_id) == ["Ja", "Nee"]


def test_add_question_with_htmx_returns_the_editor_with_the_new_item(polls_world, login_as, poll_id):
    client = login_as(polls_world.a.admin)
    response = client.post(
        f"{base(poll_id)}/questions/new",
        data=question_data(kind="scale", text="Hoe veilig voelt u zich?", scale="0-10", low_label="Onveilig"),
        headers=HTMX,
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "<html" not in text and 'id="question-editor"' in text
    new_id = question_ids(polls_world.a.tenant, poll_id)[-1]
    assert text.index(f'id="question-{new_id}"') > text.index("Verdeel 100 punten")  # appended at the end
    assert "Hoe veilig voelt u zich?</textarea>" not in text  # the add form is empty again
    assert load(polls_world.a.tenant, PollQuestion, new_id).settings == {
        "scale": "0-10",
        "low_label": "Onveilig",
    }


def test_add_question_errors_answer_422_next_to_the_field(polls_world, login_as, poll_id):
    client = login_as(polls_world.a.admin)
    response = client.post(
        f"{base(poll_id)}/questions/new",
        data=question_data(kind="multiple_choice", text="Welke?", options="A\nB", max_choices="5"),
        headers=HTMX,
    )
    assert response.status_code == 422
    text = page_text(response)
    assert 'id="new-max_choices-error"' in text and "more than the number of options" in text
    assert "Welke?</textarea>" in text and 'value="5"' in text
    assert len(question_ids(polls_world.a.tenant, poll_id)) == 11
    # A required question added to a poll with responses is refused with 409.
    add_response(polls_world.a.tenant, poll_id)
    locked = client.post(f"{base(poll_id)}/questions/new", data=question_data(required="y"))
    assert locked.status_code == 409 and "can only be optional" in page_text(locked)
    assert len(question_ids(polls_world.a.tenant, poll_id)) == 11


def test_edit_question_in_place_with_htmx(polls_world, login_as, poll_id):
    client = login_as(polls_world.a.admin)
    question_id = question_ids(polls_world.a.tenant, poll_id)[1]
    url = f"{base(poll_id)}/questions/{question_id}"
    form = client.get(url, headers=HTMX)
    assert form.status_code == 200
    text = page_text(form)
    assert "<html" not in text and f'id="question-{question_id}"' in text and "<form" in text
    assert f'name="q{question_id}-options"' in text and "Ja\nNee</textarea>" in text
    saved = client.post(
        url,
        data=question_data(f"q{question_id}", text="Bent u lid?", options="Ja\nNee\nBijna", required="y"),
        headers=HTMX,
    )
    assert saved.status_code == 200
    text = page_text(saved)
    assert '<form method="post" novalidate' not in text and "Bent u lid?" in text and "Bijna" in text
    question = load(polls_world.a.tenant, PollQuestion, question_id)
    assert question.text == "Bent u lid?" and labels(polls_world.a.tenant, question_id) == [
        "Ja",
        "Nee",
        "Bijna",
    ]
    # Cancel shows the item again.
    shown = page_text(client.get(f"{url}?show=1", headers=HTMX))
    assert "Bent u lid?" in shown and "novalidate" not in shown


def test_edit_question_errors_and_lock(polls_world, login_as, poll_id):
    client = login_as(polls_world.a.admin)
    question_id = question_ids(polls_world.a.tenant, poll_id)[1]
    url = f"{base(poll_id)}/questions/{question_id}"
    prefix = f"q{question_id}"
    bad = client.post(url, data=question_data(prefix, text="Nieuw", options="Alleen"), headers=HTMX)
    assert bad.status_code == 422
    assert f'id="{prefix}-options-error"' in page_text(bad) and "Alleen</textarea>" in page_text(bad)
    add_response(polls_world.a.tenant, poll_id)
    locked = client.post(
        url, data=question_data(prefix, text="Lid?", options="Ja\nNee\nMisschien", required="y")
    )
    assert locked.status_code == 409 and "already has responses" in page_text(locked)
    assert labels(polls_world.a.tenant, question_id) == ["Ja", "Nee"]
    # Wording stays editable (no JavaScript: a redirect back to the editor).
    fixed = client.post(url, data=question_data(prefix, text="Bent u lid van onze kring?", required="y"))
    assert fixed.status_code == 302
    assert load(polls_world.a.tenant, PollQuestion, question_id).text == "Bent u lid van onze kring?"


def test_move_question_with_and_without_htmx(polls_world, login_as, poll_id):
    client = login_as(polls_world.a.admin)
    ids = question_ids(polls_world.a.tenant, poll_id)
    moved = client.post(f"{base(poll_id)}/questions/{ids[3]}/move", data={"direction": "up"}, headers=HTMX)
    assert moved.status_code == 200
    text = page_text(moved)
    assert text.lstrip().startswith('<ol id="question-list"')
    assert text.index(f'id="question-{ids[3]}"') < text.index(f'id="question-{ids[2]}"')
    assert question_ids(polls_world.a.tenant, poll_id)[2:4] == [ids[3], ids[2]]
    plain = client.post(f"{base(poll_id)}/questions/{ids[3]}/move", data={"direction": "down"})
    assert plain.status_code == 302
    assert question_ids(polls_world.a.tenant, poll_id) == ids
    assert client.post(f"{base(poll_id)}/questions/{ids[3]}/move", data={"direction": "x"}).status_code == 400


def test_remove_question_asks_first(polls_world, login_as, poll_id):
    client = login_as(polls_world.a.admin)
    ids = question_ids(polls_world.a.tenant, poll_id)
    url = f"{base(poll_id)}/questions/{ids[1]}/remove"
    confirm = client.get(url)
    assert confirm.status_code == 200
    text = page_text(confirm)
    assert "Remove “Bent u lid van de kring?”?" in text and "1 later questions depend" not in text
    assert "One later question depends on its answer" in text
    assert question_ids(polls_world.a.tenant, poll_id) == ids  # nothing removed by looking
    fragment = client.get(url, headers=HTMX)
    assert "<html" not in page_text(fragment) and f'id="question-{ids[1]}"' in page_text(fragment)
    removed = client.post(url, headers=HTMX)
    assert removed.status_code == 200 and 'id="question-list"' in page_text(removed)
    assert question_ids(polls_world.a.tenant, poll_id) == [ids[0], *ids[2:]]
    assert load(polls_world.a.tenant, PollQuestion, ids[7]).condition_option_id is None


def test_remove_question_is_refused_once_there_are_responses(polls_world, login_as, poll_id):
    add_response(polls_world.a.tenant, poll_id)
    client = login_as(polls_world.a.admin)
    ids = question_ids(polls_world.a.tenant, poll_id)
    url = f"{base(poll_id)}/questions/{ids[4]}/remove"
    assert "not allowed" in page_text(client.get(url))
    refused = client.post(url)
    assert refused.status_code == 409 and "already has responses" in page_text(refused)
    htmx = client.post(url, headers=HTMX)
    assert htmx.status_code == 409 and htmx.headers["HX-Retarget"] == "#htmx-alerts"
    assert question_ids(polls_world.a.tenant, poll_id) == ids


def test_preview_shows_the_questions_as_respondents_see_them(polls_world, login_as, poll_id):
    response = login_as(polls_world.a.facilitator).get(f"{base(poll_id)}/preview")
    assert response.status_code == 200
    text = page_text(response)
    assert "Bent u lid van de kring?" in text and "Rangschik de prioriteiten" in text
    assert "Nothing you fill in is saved" in text
    assert "<form" in text and 'method="post"' not in text.split('id="poll-preview"')[1]


# --- copy, delete and state ------------------------------------------------------------------------------


def test_copy_poll(polls_world, login_as, poll_id):
    response = login_as(polls_world.a.admin).post(f"{base(poll_id)}/copy")
    assert response.status_code == 302
    with tenant_scope(polls_world.a.tenant):
        copy = db.session.scalar(select(Poll).where(Poll.id != poll_id))
        assert copy.title.endswith("(copy)") and copy.state == PollState.DRAFT
        assert response.headers["Location"].endswith(f"/kring-a/polls/{copy.id}/")
        assert len(copy.questions) == 11


def test_delete_poll_asks_first(polls_world, login_as, poll_id):
    add_response(polls_world.a.tenant, poll_id)
    client = login_as(polls_world.a.admin)
    confirm = client.get(f"{base(poll_id)}/delete")
    assert confirm.status_code == 200
    text = page_text(confirm)
    assert "Delete the poll" in text and "Its response and the results are deleted." in text
    assert load(polls_world.a.tenant, Poll, poll_id) is not None
    response = client.post(f"{base(poll_id)}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/kring-a/polls/")
    assert load(polls_world.a.tenant, Poll, poll_id) is None


def test_open_close_reopen_buttons(polls_world, login_as):
    poll_id = make_poll(polls_world.a.tenant, state=PollState.DRAFT)
    client = login_as(polls_world.a.admin)
    assert client.post(f"{base(poll_id)}/open").status_code == 302
    assert load(polls_world.a.tenant, Poll, poll_id).state == PollState.OPEN
    closed = client.post(f"{base(poll_id)}/close", headers=HTMX)
    assert closed.status_code == 200
    assert 'id="poll-state"' in page_text(closed) and "Reopen the poll" in page_text(closed)
    assert load(polls_world.a.tenant, Poll, poll_id).state == PollState.CLOSED
    assert client.post(f"{base(poll_id)}/reopen").status_code == 302
    assert load(polls_world.a.tenant, Poll, poll_id).state == PollState.OPEN
    refused = client.post(f"{base(poll_id)}/reopen")
    assert refused.status_code == 409 and "Only a closed poll can be reopened." in page_text(refused)


def test_opening_an_empty_poll_is_refused(polls_world, login_as):
    client = login_as(polls_world.a.admin)
    client.post("/kring-a/polls/new", data=NEW_POLL)
    with tenant_scope(polls_world.a.tenant):
        poll_id = db.session.scalar(select(Poll.id))
    response = client.post(f"{base(poll_id)}/open")
    assert response.status_code == 409 and "at least one question" in page_text(response)
    assert load(polls_world.a.tenant, Poll, poll_id).state == PollState.DRAFT


def test_dashboard_card_links_to_the_polls(polls_world, login_as):
    text = page_text(login_as(polls_world.a.member).get("/kring-a/"))
    assert "See the polls" in text and 'href="/kring-a/polls/"' in text
