"""The answering pages of a personal link (``polls.answer``, ``polls.answer_save``):
the form, drafts, errors (422, typed values kept), the receipt, token misuse,
closed / not-yet-open / draft polls, the language of the poll, CSRF for
respondents without an account, and a constant number of queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kringwerk.extensions import db, utcnow
from kringwerk.tenancy import tenant_scope
from plugins.polls.models import Poll, PollAnswer, PollResponse, PollState, ResponseStatus
from tests.members.support import count_queries, page_text
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_answering import invite, questions, valid_values


def _english(tenant, poll_id, **changes):
    """The fixtures' polls are Dutch; the pages speak the poll's language, so tests of
    English text make the poll English (and apply other changes)."""
    with tenant_scope(tenant):
        poll = db.session.get(Poll, poll_id)
        poll.language = "en"
        for name, value in changes.items():
            setattr(poll, name, value)
        db.session.commit()


def _url(tenant, poll_id, token, suffix=""):
    return f"/{tenant.slug}/polls/{poll_id}/a/{token}{suffix}"


@pytest.fixture
def link(polls_world, poll_id):
    """(url, token) of Bert's personal link to tenant A's open English poll."""
    w = polls_world
    _english(w.a.tenant, poll_id)
    token = invite(
        w.a.tenant,
        poll_id,
        "bert@berends.test",
        w.company_ids["Bakkerij Berends"],
        w.contact_ids["bert@berends.test"],
    )
    return _url(w.a.tenant, poll_id, token), token


def _responses(tenant):
    with tenant_scope(tenant):
        return list(db.session.scalars(select(PollResponse).order_by(PollResponse.id)))


def test_form_shows_every_question_accessibly(client, polls_world, poll_id, link):
    url, _ = link
    response = client.get(url)
    assert response.status_code == 200
    html = page_text(response)
    q = questions(polls_world.a.tenant, poll_id)
    assert "Samenwerken op Aalsvoort" in html and "Wat wilt u samen" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # Field names of the contract, one fieldset per grouped question, labels for inputs.
    assert (
        f'<fieldset class="field field--group poll-question poll-question--single_choice" id="q{q.single}"'
        in html
    )
    assert f'name="q{q.number}"' in html and f'<label for="q{q.number}">' in html
    assert f'name="q{q.ranking}_o{q.ranking_options[0]}"' in html
    assert f'name="q{q.points}_o{q.points_options[1]}"' in html
    assert f'name="q{q.themes}_o{q.theme_options[2]}" value="2"' in html
    assert 'Only if you answered "Ja" to "Bent u lid van de kring?".' in html
    assert 'name="csrf_token"' in html
    assert 'hx-trigger="change, input changed delay:800ms"' in html
    assert "Over uw bedrijf" in html  # the section heading
    # Viewing creates nothing.
    assert _responses(polls_world.a.tenant) == []


def test_poll_language_is_used(client, polls_world, poll_id):
    w = polls_world
    token = invite(
        w.a.tenant,
        poll_id,
        "eva@elektro.test",
        w.company_ids["Elektro Eefde"],
        w.contact_ids["eva@elektro.test"],
    )
    html = page_text(client.get(_url(w.a.tenant, poll_id, token)))  # the client asks for English
    assert '<html lang="nl">' in html


def test_save_keeps_draft_and_prefills(client, polls_world, poll_id, link):
    url, _ = link
    q = questions(polls_world.a.tenant, poll_id)
    response = client.post(url, data={f"q{q.number}": "twelve", f"q{q.short}": "Bert", "save": "1"})
    assert response.status_code == 303
    html = page_text(client.get(response.headers["Location"]))
    assert 'value="twelve"' in html and 'value="Bert"' in html
    assert "Your answers are saved." in html
    [saved] = _responses(polls_world.a.tenant)
    assert saved.status == ResponseStatus.DRAFT


def test_autosave_answers_a_status_fragment(client, polls_world, poll_id, link):
    url, _ = link
    q = questions(polls_world.a.tenant, poll_id)
    response = client.post(url + "/draft", data={f"q{q.short}": "Bert B."}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    status = page_text(response)
    assert re.match(r"Saved at \d\d:\d\d", status.strip())
    # The note of the conditional question comes along out of band: unanswered, then "skip", then "applies".
    assert f'id="q{q.long}-condition" hx-swap-oob="true">' in status
    assert "You can skip" not in status and "This applies" not in status
    no = client.post(url + "/draft", data={f"q{q.single}": str(q.no)}, headers={"HX-Request": "true"})
    assert "poll-condition--skip" in page_text(no) and "You can skip this question." in page_text(no)
    yes = client.post(url + "/draft", data={f"q{q.single}": str(q.yes)}, headers={"HX-Request": "true"})
    assert "This applies to your answers." in page_text(yes)
    assert "This applies to your answers." in page_text(client.get(url))  # also without JavaScript
    client.post(url + "/draft", data={f"q{q.short}": "Bert B."}, headers={"HX-Request": "true"})
    [saved] = _responses(polls_world.a.tenant)
    assert saved.draft == {f"q{q.short}": ["Bert B."]}
    assert 'value="Bert B."' in page_text(client.get(url))


def test_invalid_submit_answers_422_and_keeps_everything(client, polls_world, poll_id, link):
    url, _ = link
    q = questions(polls_world.a.tenant, poll_id)
    data = valid_values(q, **{f"q{q.number}": "999", f"q{q.single}": None})
    data["submit"] = "1"
    response = client.post(url, data=data)
    assert response.status_code == 422
    html = page_text(response)
    assert f'<a href="#q{q.number}">' in html and f'<a href="#q{q.single}">' in html
    assert (
        f'<p class="field-error" id="q{q.number}-error">Enter a whole number between 0 and 500.</p>' in html
    )
    assert f'aria-describedby="q{q.number}-error" aria-invalid="true"' in html
    assert "This question needs an answer." in html
    assert 'value="999"' in html and 'value="Anna de Vries"' in html
    assert f'value="{q.multiple_options[2]}" checked' in html
    [saved] = _responses(polls_world.a.tenant)
    assert saved.status == ResponseStatus.DRAFT and saved.draft[f"q{q.number}"] == ["999"]


def test_submit_then_receipt_and_no_second_response(client, polls_world, poll_id, link):
    url, _ = link
    q = questions(polls_world.a.tenant, poll_id)
    data = valid_values(q)
    data["submit"] = "1"
    response = client.post(url, data=data)
    assert response.status_code == 303
    html = page_text(client.get(url))
    assert "Thank you! Your response was received." in html
    assert "Anna de Vries" in html and "Willing to take the lead" in html
    assert "<form" not in html.split("<main", 1)[1].split("</main>")[0]  # read-only
    # Reusing the link after submission: the receipt again, never a new response.
    again = client.post(url, data=data)
    assert again.status_code == 200 and "Thank you!" in page_text(again)
    assert client.post(url + "/draft", data=data, headers={"HX-Request": "true"}).status_code == 409
    [only] = _responses(polls_world.a.tenant)
    assert only.status == ResponseStatus.SUBMITTED
    with tenant_scope(polls_world.a.tenant):
        assert db.session.scalar(select(func.count(PollAnswer.id))) == 17


def test_token_misuse_gives_the_invalid_page(client, polls_world, poll_id, b_poll_id, link):
    w = polls_world
    url, token = link
    other = make_poll(w.a.tenant, title="Other poll")
    b_token = invite(w.b.tenant, b_poll_id, "bram@bravo.test", w.b_company_id, w.b_contact_id)
    bad = [
        _url(w.a.tenant, poll_id, "no-such-token"),
        _url(w.a.tenant, other, token),  # another poll's token
        _url(w.b.tenant, poll_id, token),  # tenant A's link under B
        _url(w.b.tenant, b_poll_id, token),
        _url(w.a.tenant, b_poll_id, b_token),  # tenant B's link under A
        _url(w.a.tenant, poll_id, b_token),
    ]
    for address in bad:
        for method in ("get", "post"):
            response = getattr(client, method)(address)
            assert response.status_code == 404, address
            assert "This link does not work" in page_text(response) or "link" in page_text(response)
        assert client.post(address + "/draft", data={"q1": "x"}).status_code == 404
    assert _responses(w.a.tenant) == [] and _responses(w.b.tenant) == []
    # Tenant B's own link works under B.
    assert client.get(_url(w.b.tenant, b_poll_id, b_token)).status_code == 200


def test_invalid_page_text(client, polls_world, poll_id):
    response = client.get(_url(polls_world.a.tenant, poll_id, "nope"))
    assert response.status_code == 404
    assert "This link does not work" in page_text(response)


@pytest.mark.parametrize(
    ("changes", "status", "text"),
    [
        ({"closes_at": utcnow() - timedelta(minutes=1)}, 410, "This poll is closed"),
        ({"state": PollState.CLOSED}, 410, "This poll is closed"),
        ({"opens_at": utcnow() + timedelta(days=2)}, 200, "This poll opens on"),
        ({"state": PollState.DRAFT}, 200, "This poll is not open yet."),
    ],
)
def test_closed_and_not_open_pages(client, polls_world, poll_id, changes, status, text):
    w = polls_world
    token = invite(
        w.a.tenant,
        poll_id,
        "dirk@dewit.test",
        w.company_ids["Drukkerij De Wit"],
        w.contact_ids["dirk@dewit.test"],
    )
    _english(w.a.tenant, poll_id, **changes)
    url = _url(w.a.tenant, poll_id, token)
    response = client.get(url)
    assert response.status_code == status and text in page_text(response)
    q = questions(w.a.tenant, poll_id)
    posted = client.post(url, data={**valid_values(q).to_dict(flat=False), "submit": "1"})
    assert posted.status_code == status
    assert client.post(url + "/draft", data={"q1": "x"}, headers={"HX-Request": "true"}).status_code in (
        409,
        410,
    )
    assert _responses(w.a.tenant) == []


def test_receipt_shown_even_after_closing(client, polls_world, poll_id, link):
    url, _ = link
    q = questions(polls_world.a.tenant, poll_id)
    client.post(url, data={**valid_values(q).to_dict(flat=False), "submit": "1"})
    _english(polls_world.a.tenant, poll_id, state=PollState.CLOSED)
    response = client.get(url)
    assert response.status_code == 200 and "Thank you!" in page_text(response)


def test_csrf_works_for_respondents_without_account(app, client, polls_world, poll_id, link):
    url, _ = link
    app.config["WTF_CSRF_ENABLED"] = True
    q = questions(polls_world.a.tenant, poll_id)
    data = {**valid_values(q).to_dict(flat=False), "save": "1"}
    assert client.post(url, data=data).status_code == 400  # no token
    html = page_text(client.get(url))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post(url, data={**data, "csrf_token": csrf}).status_code == 303
    header = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    saved = client.post(
        url + "/draft", data={f"q{q.short}": "x"}, headers={"HX-Request": "true", "X-CSRFToken": header}
    )
    assert saved.status_code == 200


def test_queries_do_not_grow_with_answers(client, polls_world, poll_id, link):
    url, _ = link
    q = questions(polls_world.a.tenant, poll_id)
    client.get(url)
    with count_queries() as empty:
        client.get(url)
    client.post(url, data={**valid_values(q).to_dict(flat=False), "save": "1"})
    with count_queries() as first:  # the first request after a write builds the page
        client.get(url)
    with count_queries() as filled:
        client.get(url)
    assert len(filled) == len(empty)
    assert len(first) > len(filled)


def test_form_items_macro_for_the_preview(app, polls_world, poll_id, b_poll_id):
    """The builder renders the same macro: plain dict values, preview ids, labels escaped."""
    from flask import render_template_string

    from plugins.polls import answering

    w = polls_world
    q = questions(w.a.tenant, poll_id)
    template = (
        '{% from "polls/respond/_form_items.html" import poll_items %}'
        "{{ poll_items(items, values, errors, preview=True) }}"
    )
    with tenant_scope(w.a.tenant):
        items = answering.poll_items(poll_id)
        items[1].options[0].label = "<script>alert(1)</script>"
        with app.test_request_context(f"/{w.a.tenant.slug}/polls/"):
            html = render_template_string(
                template,
                items=items,
                values={f"q{q.short}": "Typed", f"q{q.multiple}": [str(q.multiple_options[1])]},
                errors={q.short: "Too long."},
            )
        db.session.rollback()
    assert f'id="preview-q{q.short}" name="q{q.short}"' in html and 'value="Typed"' in html
    assert f'value="{q.multiple_options[1]}" checked' in html
    assert f'<p class="field-error" id="preview-q{q.short}-error">Too long.</p>' in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    with tenant_scope(w.b.tenant):  # tenant B sees none of A's questions
        assert answering.poll_items(poll_id) == []
