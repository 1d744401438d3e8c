"""Answering a poll by personal link: no account needed; drafts saved while typing; a receipt after submission.

The tenant comes from the URL and the invitation from the token (its hash), so
an unknown link, another poll's link and another tenant's link all find
nothing and answer the same 404 page. Pages speak the poll's language unless the
visitor chose one with the language switch. The link is a secret: pages are not
cached by browsers or proxies and send no referrer.

A GET of an open poll's form is kept per process until the next write (the link's facts
by its token's hash, ``page_data.link_facts``, and the form's HTML with a placeholder
where the token goes): the token's expiry and the poll's opening and closing times are
judged every request; everything else that changes the page is a write, which every
worker sees at its next request. A POST, and a GET of anything but an open form (the
receipt, a closed or waiting poll), read the database as before.
"""

from __future__ import annotations

import functools
import re

from babel import Locale
from flask import make_response, redirect, render_template, request, url_for
from flask_babel import force_locale, format_time
from markupsafe import Markup

from kringwerk.plugin_api import chosen_language, db, is_htmx, public, remembered_html, utcnow
from plugins.polls import answering
from plugins.polls.models import InterestLevel, PollAnswer, PollInvitation, PollResponse
from plugins.polls.page_data import link_facts
from plugins.polls.views import bp

# Where a kept form has its link's token: put in on the way out, so what is kept holds none.
TOKEN_PLACEHOLDER = "kringwerk-link-token-of-this-visitor"
# A token as links carry them (URL-safe Base64): it goes into the kept HTML unescaped.
PLAIN_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


@bp.app_template_global("poll_values")
def poll_values(values, name: str) -> list[str]:
    """The typed values of one answer field (see answering.field_name), as strings."""
    return answering._getlist(values, name)


@bp.app_template_global("poll_conditions")
def poll_conditions(items) -> dict:
    """{question id: (earlier question, option)} for the conditional questions among ``items``."""
    items = list(items)
    result = {}
    for item in items:
        found = answering.condition_of(item, items)
        if found is not None:
            result[item.id] = found
    return result


@bp.app_template_global("poll_condition_states")
def poll_condition_states(items, values) -> dict:
    """{question id: "applies" | "skip" | None} for the conditional questions, given the answers so far."""
    return answering.condition_states(items, values)


@bp.app_template_global("poll_scale")
def poll_scale(item) -> tuple[int, int]:
    return answering.scale_bounds(item)


@bp.app_template_global("poll_interest_levels")
def poll_interest_levels() -> list[InterestLevel]:
    return list(InterestLevel)


def _private(response):
    # The token in the URL is the respondent's key: keep it out of caches and Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _page(template: str, status: int = 200, **context):
    return _private(make_response(render_template(template, **context), status))


def _invalid():
    return _page("polls/respond/invalid.html", 404)


def _answer_page(poll, items, values, errors, token, saved, status=200):
    body = Markup(_answer_form(poll, items, values, errors, token, saved))
    return _page("polls/respond/answer.html", status, poll=poll, body=body)


def _answer_form(poll, items, values, errors, token, saved) -> str:
    return render_template(
        "polls/respond/_answer_form.html",
        poll=poll,
        items=items,
        values=values,
        errors=errors,
        token=token,
        saved=saved,
    )


@functools.cache
def _locale(language: str) -> Locale:
    """A language's parsed locale, once per process (``force_locale`` takes it as it is)."""
    return Locale.parse(language)


class _Changed(Exception):
    """The kept facts name a row gone since (a write in another worker): read afresh."""


def _kept_form(poll_id: int, token: str):
    """The GET of an open poll's form from what this process keeps, or None where the
    page is another (receipt, closed, not yet open) or the token is not a plain one:
    then the caller reads the database. An unknown or expired link is refused here."""
    if not PLAIN_TOKEN.fullmatch(token):
        return None
    loaded: dict = {}  # what building the facts read, if they were built now
    facts = link_facts(poll_id, token, loaded)
    now = utcnow()
    if facts is None or not facts.live(now):
        return _invalid()
    if facts.submitted or answering.respondent_state(facts.poll, now) != "open":
        return None
    saved = request.args.get("saved") == "1"

    def render() -> str:
        if loaded:  # the facts were built in this request: no statement
            invitation, response = loaded["invitation"], loaded["response"]
        else:
            invitation = db.session.get(PollInvitation, facts.invitation_id)
            response = db.session.get(PollResponse, facts.response_id) if facts.response_id else None
        if invitation is None or (facts.response_id and response is None):
            raise _Changed
        poll = invitation.poll
        values = answering.form_values(response.draft if response is not None else {})
        items = answering.poll_items(poll.id)
        return _answer_form(poll, items, values, {}, TOKEN_PLACEHOLDER, saved)

    with force_locale(_locale(chosen_language() or facts.poll.language)):
        try:
            html = remembered_html(("polls.answer", poll_id, facts.invitation_id, saved), render)
        except _Changed:
            return None
        body = Markup(str(html).replace(TOKEN_PLACEHOLDER, token))
        return _page("polls/respond/answer.html", poll=facts.poll, body=body)


def _receipt(invitation, response, token):
    poll = invitation.poll
    lines = []
    if not poll.anonymous and response is not None:
        items = answering.poll_items(poll.id)
        answers = db.session.scalars(
            db.select(PollAnswer).where(PollAnswer.response_id == response.id).order_by(PollAnswer.id)
        )
        lines = answering.receipt_lines(items, answers)
    return _page("polls/respond/receipt.html", poll=poll, response=response, lines=lines, token=token)


def _closed_or_waiting(poll, state):
    if state == "closed":
        return _page("polls/respond/closed.html", 410, poll=poll)
    return _page("polls/respond/not_open.html", 200, poll=poll)


def _save(invitation) -> bool:
    """Keep the typed answers as the draft; False (nothing kept) if the link was answered meanwhile."""
    try:
        if not answering.hold_invitation(invitation):
            raise answering.AlreadySubmitted("answered meanwhile")
        answering.save_draft(answering.response_for(invitation), request.form)
    except answering.AlreadySubmitted:
        db.session.rollback()
        return False
    return True


@bp.route("/<int:poll_id>/a/<token>", methods=["GET", "POST"])
@public  # the personal link is the key; respondents have no account
def answer(poll_id: int, token: str):
    if request.method == "GET":
        kept = _kept_form(poll_id, token)
        if kept is not None:
            return kept
    invitation = answering.find_invitation(poll_id, token)
    if invitation is None:
        return _invalid()
    poll = invitation.poll
    with force_locale(chosen_language() or poll.language):
        response = answering.find_response(invitation)
        if answering.is_submitted(invitation, response):
            return _receipt(invitation, response, token)
        state = answering.respondent_state(poll)
        if state != "open":
            return _closed_or_waiting(poll, state)
        items = answering.poll_items(poll.id)
        errors = {}
        values = answering.form_values(response.draft if response is not None else {})
        if request.method == "POST":
            again = redirect(url_for("polls.answer", poll_id=poll.id, token=token), 303)
            if "submit" in request.form:
                try:
                    response = answering.response_for(invitation)
                    errors = answering.submit(response, invitation, request.form, items)
                except answering.AnsweringError:
                    # Submitted or closed since the checks above (another tab, a colleague):
                    # the link's own page says which.
                    db.session.rollback()
                    return again
                db.session.commit()
                if not errors:
                    return again
                values = request.form
            else:
                if not _save(invitation):
                    return again
                db.session.commit()
                return redirect(url_for("polls.answer", poll_id=poll.id, token=token, saved=1), 303)
        saved = request.args.get("saved") == "1" and not errors
        return _answer_page(poll, items, values, errors, token, saved, 422 if errors else 200)


@bp.post("/<int:poll_id>/a/<token>/draft")
@public
def answer_save(poll_id: int, token: str):
    """The htmx autosave: keeps the draft and answers a short status line."""
    invitation = answering.find_invitation(poll_id, token)
    if invitation is None:
        return _invalid()
    poll = invitation.poll
    with force_locale(chosen_language() or poll.language):
        response = answering.find_response(invitation)
        if answering.is_submitted(invitation, response):
            return _page("polls/respond/_status.html", 409, kind="submitted")
        state = answering.respondent_state(poll)
        if state != "open":
            return _page("polls/respond/_status.html", 410 if state == "closed" else 409, kind=state)
        if not _save(invitation):
            return _page("polls/respond/_status.html", 409, kind="submitted")
        db.session.commit()
        if not is_htmx():
            # Without htmx this URL is only reached by hand: back to the form.
            return redirect(url_for("polls.answer", poll_id=poll.id, token=token, saved=1), 303)
        # The notes of conditional questions follow the answers (swapped out of band).
        items = answering.poll_items(poll.id)
        return _page(
            "polls/respond/_status.html",
            200,
            kind="saved",
            time=format_time(utcnow(), "HH:mm"),
            items=items,
            conditions=poll_conditions(items),
            states=answering.condition_states(items, request.form),
        )
