"""Issue 15: the answer page finds the live token, its invitation and the poll in one
statement, by exactly the rules of the core's ``resolve_token`` (hash, purpose, not
expired, not revoked), in the tenant in scope only.

Every link ``resolve_token`` refuses is refused here with the same "this link does
not work" page; tenant B's token never opens anything in tenant A, not even when it
names the id of one of A's invitations; a draft, closed or answered poll answers as
before. Run on both databases (the tenant wall's filter and, on PostgreSQL, RLS).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from kringwerk.extensions import db, utcnow
from kringwerk.plugin_api import hash_token
from kringwerk.tenancy import tenant_scope
from kringwerk.tokens import services as tokens
from kringwerk.tokens.primitives import hash_token as core_hash_token
from plugins.polls import responses
from plugins.polls.models import ANSWER_LINK, Poll, PollState
from tests.members.support import count_queries, page_text
from tests.plugins.polls.test_answering import invite, questions, valid_values

pytestmark = pytest.mark.both_databases


def _bert(pw, poll_id: int) -> str:
    return invite(
        pw.a.tenant,
        poll_id,
        "bert@berends.test",
        pw.company_ids["Bakkerij Berends"],
        pw.contact_ids["bert@berends.test"],
    )


def _invitation_id(tenant, raw: str) -> int:
    with tenant_scope(tenant):
        return tokens.resolve(ANSWER_LINK, raw).subject_id


def _issue(tenant, purpose: str, subject_id: int, **lifetime) -> str:
    with tenant_scope(tenant):
        raw = tokens.issue(purpose, subject_id, **lifetime)
        db.session.commit()
    return raw


def test_the_facade_hashes_as_the_core_stores():
    assert hash_token is core_hash_token
    assert hash_token("abc") == core_hash_token("abc") and len(hash_token("abc")) == 64


def test_one_statement_with_the_tenant_filter_on_every_table(polls_world, poll_id, b_poll_id, client):
    pw = polls_world
    raw = _bert(pw, poll_id)
    url = f"/kring-a/polls/{poll_id}/a/{raw}"
    # The first request after a write (the invitation) looks the token up; the next ones
    # use what it keeps (test_page_data.py).
    with count_queries() as statements:
        page = client.get(url)
    assert page.status_code == 200 and "Poll of tenant B" not in page_text(page)
    (lookup,) = [s for s in statements if "personal_tokens" in s]
    for table in ("personal_tokens", "poll_invitations", "polls"):
        assert re.search(rf"\b{table}\.tenant_id = ", lookup), (table, lookup)
    assert "token_hash" in lookup and "revoked_at IS NULL" in lookup and "expires_at" in lookup
    # Bound parameters only: neither the token, its hash nor the purpose is written in the SQL.
    assert raw not in lookup and hash_token(raw) not in lookup and ANSWER_LINK not in lookup


def test_every_refused_link_answers_as_an_unknown_one(polls_world, poll_id, b_poll_id, client):
    pw = polls_world
    live = _bert(pw, poll_id)
    invitation_id = _invitation_id(pw.a.tenant, live)
    b_live = invite(pw.b.tenant, b_poll_id, "bram@bravo.test", pw.b_company_id, pw.b_contact_id)
    expired = _issue(pw.a.tenant, ANSWER_LINK, invitation_id, expires_at=utcnow() - timedelta(seconds=1))
    other_purpose = _issue(pw.a.tenant, "panel.opt_out", invitation_id)
    # Tenant B's token naming one of A's invitations by id: only the tenant filter on
    # the token keeps it out (the join on the id alone would find A's invitation).
    b_forged = _issue(pw.b.tenant, ANSWER_LINK, invitation_id)
    revoked = invite(
        pw.a.tenant,
        poll_id,
        "dirk@dewit.test",
        pw.company_ids["Drukkerij De Wit"],
        pw.contact_ids["dirk@dewit.test"],
    )
    revoked_id = _invitation_id(pw.a.tenant, revoked)
    with tenant_scope(pw.a.tenant):
        assert tokens.revoke(ANSWER_LINK, revoked_id) == 1
        db.session.commit()
    refused = {
        "unknown": "no-such-token",
        "too long": "x" * 201,
        "expired": expired,
        "revoked": revoked,
        "other purpose": other_purpose,
        "other tenant": b_live,
        "other tenant, A's invitation id": b_forged,
    }
    unknown = client.get(f"/kring-a/polls/{poll_id}/a/no-such-token")
    assert unknown.status_code == 404 and "This link does not work" in page_text(unknown)
    for case, raw in refused.items():
        with tenant_scope(pw.a.tenant):
            assert tokens.resolve(ANSWER_LINK, raw) is None, case  # the core's rules refuse it ...
            assert responses.find_invitation(poll_id, raw) is None, case  # ... and so does the page's
        for method in ("get", "post"):
            page = getattr(client, method)(f"/kring-a/polls/{poll_id}/a/{raw}")
            # The same page, but for the link's own address (the language switch returns to it).
            text = page_text(page).replace(raw, "no-such-token")
            assert (page.status_code, text) == (unknown.status_code, page_text(unknown)), case
        assert client.post(f"/kring-a/polls/{poll_id}/a/{raw}/draft", data={"q1": "x"}).status_code == 404
    # The live links open their own tenant's poll, and only under their own tenant.
    with tenant_scope(pw.a.tenant):
        found = responses.find_invitation(poll_id, live)
        assert found.id == invitation_id and found.poll.id == poll_id and "poll" in found.__dict__
        assert responses.find_invitation(b_poll_id, live) is None
    with tenant_scope(pw.b.tenant):
        assert responses.find_invitation(b_poll_id, b_live).poll.title == "Poll of tenant B"
        assert responses.find_invitation(poll_id, live) is None
        assert responses.find_invitation(b_poll_id, b_forged) is None  # A's invitation id is not B's
    assert client.get(f"/kring-a/polls/{poll_id}/a/{live}").status_code == 200
    assert client.get(f"/kring-b/polls/{b_poll_id}/a/{b_live}").status_code == 200
    assert client.get(f"/kring-b/polls/{poll_id}/a/{live}").status_code == 404


@pytest.mark.parametrize(
    ("state", "status", "text"),
    [
        (PollState.DRAFT, 200, "Deze peiling is nog niet open"),
        (PollState.CLOSED, 410, "Deze peiling is gesloten"),
    ],
)
def test_draft_and_closed_polls_answer_as_before(
    polls_world, poll_id, b_poll_id, client, state, status, text
):
    pw = polls_world
    raw = _bert(pw, poll_id)
    with tenant_scope(pw.a.tenant):
        db.session.get(Poll, poll_id).state = state
        db.session.commit()
    page = client.get(f"/kring-a/polls/{poll_id}/a/{raw}")
    assert page.status_code == status and text in page_text(page)
    # Tenant B's open poll is untouched.
    b_raw = invite(pw.b.tenant, b_poll_id, "bram@bravo.test", pw.b_company_id, pw.b_contact_id)
    assert client.get(f"/kring-b/polls/{b_poll_id}/a/{b_raw}").status_code == 200


def test_a_submitted_response_shows_its_receipt(polls_world, poll_id, b_poll_id, client):
    pw = polls_world
    url = f"/kring-a/polls/{poll_id}/a/{_bert(pw, poll_id)}"
    values = valid_values(questions(pw.a.tenant, poll_id)).to_dict(flat=False)
    assert client.post(url, data={**values, "submit": "1"}).status_code == 303
    receipt = client.get(url)
    assert receipt.status_code == 200 and "<form" not in page_text(receipt).split("<main", 1)[1]
    assert client.post(url + "/draft", data={"q1": "x"}, headers={"HX-Request": "true"}).status_code == 409
    with tenant_scope(pw.b.tenant):
        assert responses.find_invitation(poll_id, url.rsplit("/", 1)[1]) is None
