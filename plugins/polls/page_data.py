"""What the polls pages keep per process until the next committed write (``remember``).

Between two writes anywhere, the results page, the list of polls and a personal link's
answer page are the same for every request: each worker keeps them (see
``kringwerk.tenancy.cache``) and a write in any worker makes every worker build them
anew at its next request. Kept here are the plain facts the pages' checks need every
request; the pages' rendered HTML is kept by the views with ``remembered_html``.

- ``results_head``: a poll's title, state and visibility with its submitted count, for
  the results page's access checks (made every request, by the view) and its frame.
- ``link_facts``: what a personal link opens, kept under the SHA-256 of its token (never
  the token). What only the clock changes is kept as data and judged every request: the
  token's expiry (``LinkFacts.live``) and the poll's opening and closing times
  (``responses.respondent_state``, to the second). A revoked token, an answered or
  closed poll are writes: the next request of every worker reads them afresh. A POST
  never uses these facts: it reads the database.

Nothing here ties an answer to a person beyond what the link's holder sees on its page:
whether the link's response is in (a yes or no, no time) and which response is theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kringwerk.plugin_api import hash_token, remember
from plugins.polls import responses
from plugins.polls.models import PollState, ResultsVisibility
from plugins.polls.results import poll_with_submitted


@dataclass(frozen=True, slots=True)
class ResultsHead:
    """What the results page checks and shows around its kept body."""

    id: int
    title: str
    state: PollState
    results_visibility: ResultsVisibility
    submitted: int


def results_head(poll_id: int, loaded: dict | None = None) -> ResultsHead | None:
    """The head of poll ``poll_id`` of the tenant in scope (None: missing or another
    tenant's), kept until the next write; built in one statement. When it is built,
    ``loaded["poll"]`` holds the poll read for it (the session keeps only what is held)."""

    def build() -> ResultsHead | None:
        found = poll_with_submitted(poll_id)
        if found is None:
            return None
        poll, submitted = found
        if loaded is not None:
            loaded["poll"] = poll
        return ResultsHead(poll.id, poll.title, poll.state, poll.results_visibility, submitted)

    return remember(("polls.results_head", poll_id), build)


@dataclass(frozen=True, slots=True)
class LinkPoll:
    """The poll as a link's checks read it (``respondent_state`` takes it like a Poll)."""

    id: int
    title: str
    language: str
    state: PollState
    opens_at: datetime | None
    closes_at: datetime | None


@dataclass(frozen=True, slots=True)
class LinkFacts:
    """What a live personal link opens: its invitation, the response it shares (if one was
    started), whether that response is in, and when the token stops working."""

    poll: LinkPoll
    invitation_id: int
    response_id: int | None
    submitted: bool
    expires_at: datetime | None

    def live(self, now: datetime) -> bool:
        """Whether the token still works at ``now`` (``resolve_token``'s rule: before its expiry)."""
        return self.expires_at is None or now < self.expires_at


def link_facts(poll_id: int, raw_token: str, loaded: dict | None = None) -> LinkFacts | None:
    """The facts of the live link ``raw_token`` to poll ``poll_id`` in the tenant in scope,
    or None (unknown, revoked, expired, another poll's or tenant's). Kept by the token's
    hash until the next write; built with two statements (the token with its invitation
    and poll, then the response). When they are built, ``loaded`` holds the invitation
    and the response read for them, for a page built in the same request."""
    if not raw_token or len(raw_token) > responses.RAW_TOKEN_MAX:
        return None

    def build() -> LinkFacts | None:
        found = responses.find_link(poll_id, raw_token)
        if found is None:
            return None
        invitation, expires_at = found
        poll = invitation.poll
        response = responses.find_response(invitation)
        if loaded is not None:
            loaded.update(invitation=invitation, response=response)
        return LinkFacts(
            poll=LinkPoll(poll.id, poll.title, poll.language, poll.state, poll.opens_at, poll.closes_at),
            invitation_id=invitation.id,
            response_id=response.id if response is not None else None,
            submitted=responses.is_submitted(invitation, response),
            expires_at=expires_at,
        )

    return remember(("polls.link", poll_id, hash_token(raw_token)), build)
