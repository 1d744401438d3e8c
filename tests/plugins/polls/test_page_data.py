"""Issue 15: the polls pages keep what they show per process until the next write.

The results page (and its public page), the list of polls and a personal link's answer
form are built once and kept (``remember``/``remembered_html``) until the next committed
write anywhere: a warm request builds nothing and reads none of the plugin's tables; a
change through the app's own POST and one from another worker (another app on the same
database) shows at the next GET; what is kept is per tenant, per audience (board,
members, public; builders or not) and per link. The checks are made every request: who
may see the results, whether the link is live (revoked in another worker: refused at
once; expired: refused by the clock alone) and whether the poll takes answers (its
closing time to the second). A POST always reads the database. GETs write nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kringwerk.extensions import db, utcnow
from kringwerk.plugin_api import hash_token
from kringwerk.tenancy import cache, tenant_scope
from kringwerk.tenancy.cache import DATA_STAMP_ID, CacheStamp
from kringwerk.tokens import services as tokens
from plugins.polls import responses
from plugins.polls.models import ANSWER_LINK, Poll, PollResponse, PollState, ResultsVisibility
from plugins.polls.views import respond
from tests.members.support import count_queries, page_text
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_answering import invite, questions, valid_values
from tests.plugins.polls.test_results import LONG, SINGLE, THEMES, add_response
from tests.plugins.polls.test_results import invite as invite_for_rate
from tests.tenancy.test_data_cache import in_another_worker

CSRF_VALUE = re.compile(r'((?:name="csrf_token"[^>]*value=|"X-CSRFToken": ?)")[^"]+"')
CHART_ID = re.compile(r"poll-chart-\d+")


def own(statements: list[str]) -> list[str]:
    """The statements reading the plugin's tables or the link's token."""
    return [s for s in statements if re.search(r"\b(polls|poll_\w+|personal_tokens)\b", s)]


def builds(app) -> int:
    return app.extensions[cache.EXTENSION_KEY].builds


def data_stamp() -> str:
    value = db.session.scalar(select(CacheStamp.value).where(CacheStamp.id == DATA_STAMP_ID))
    db.session.rollback()
    return value


def warm(app, client, url: str, status: int = 200):
    """GET ``url`` twice; the second must build nothing and read none of the plugin's
    tables. Returns (that response, its statements)."""
    assert client.get(url).status_code == status, url
    before = builds(app)
    with count_queries() as statements:
        page = client.get(url)
    assert page.status_code == status, url
    assert builds(app) == before, url  # nothing built: all kept
    assert own(statements) == [], url
    return page, list(statements)


def same_html(text: str) -> str:
    """The page without what differs between two renders of the same data (each
    visitor's CSRF token, the charts' running ids)."""
    return CHART_ID.sub("poll-chart-n", CSRF_VALUE.sub(r'\1"', text))


def body_of(page: str) -> str:
    """The page's own part (from its heading), without the frame that names the visitor."""
    return same_html(page[page.index("<h1>") : page.index("</main>")])


def set_poll_values(tenant, poll_id: int, **values) -> None:
    with tenant_scope(tenant):
        poll = db.session.get(Poll, poll_id)
        for name, value in values.items():
            setattr(poll, name, value)
        db.session.flush()
    db.session.commit()


def bert(pw, poll_id: int) -> str:
    """Bert's link to the poll, which speaks English (the assertions read English)."""
    set_poll_values(pw.a.tenant, poll_id, language="en")
    return invite(
        pw.a.tenant,
        poll_id,
        "bert@berends.test",
        pw.company_ids["Bakkerij Berends"],
        pw.contact_ids["bert@berends.test"],
    )


def at(moment, monkeypatch) -> None:
    """The answer pages' clock (the kept checks and the database path) set to ``moment``."""
    monkeypatch.setattr(respond, "utcnow", lambda: moment)
    monkeypatch.setattr(responses, "utcnow", lambda: moment)


# --- the results page ----------------------------------------------------------------------------


@pytest.mark.both_databases
def test_results_page_kept_until_a_write_in_this_or_another_worker(
    app, app_config, polls_world, poll_id, b_poll_id, client, login_as
):
    pw = polls_world
    add_response(pw.b.tenant, b_poll_id, {SINGLE: "Nee", LONG: "Bravo's answer"}, company_id=pw.b_company_id)
    login_as(pw.a.admin)
    url = f"/kring-a/polls/{poll_id}/results"
    totals = []
    names = list(pw.company_ids)
    for batch, expected in ((5, 5), (45, 50)):  # a write between: the next GET builds
        for n in range(expected - batch, expected):
            add_response(
                pw.a.tenant,
                poll_id,
                {SINGLE: "Ja", LONG: f"answer {n}", THEMES: [2, 1, n % 3]},
                company_id=pw.company_ids[names[n % len(names)]],
            )
        page, statements = warm(app, client, url)
        totals.append(len(statements))
        body = page_text(page)
        assert f"{expected} submitted responses" in body
        assert "Poll of tenant B" not in body and "Bravo" not in body
    assert totals[0] == totals[1]  # constant in the size of the data

    # A change from another worker shows at this worker's next request.
    def rename():
        with tenant_scope(pw.a.tenant):
            db.session.get(Poll, poll_id).title = "Renamed elsewhere"
            db.session.flush()

    in_another_worker(app_config, rename)
    assert "Renamed elsewhere" in page_text(client.get(url))

    # Tenant B: A's poll is not found at B's address; B's own page shows B's poll only.
    login_as(pw.b.admin)
    assert client.get(f"/kring-b/polls/{poll_id}/results").status_code == 404
    b_body = page_text(warm(app, client, f"/kring-b/polls/{b_poll_id}/results")[0])
    assert "Poll of tenant B" in b_body and "1 submitted response" in b_body
    assert "Renamed elsewhere" not in b_body


@pytest.mark.both_databases
def test_results_kept_per_audience_and_checked_every_request(
    app, app_config, polls_world, poll_id, b_poll_id, client, login_as
):
    pw = polls_world
    add_response(pw.a.tenant, poll_id, {SINGLE: "Ja"}, company_id=pw.company_ids["Alpha Bouw BV"])
    set_poll_values(pw.a.tenant, poll_id, results_visibility=ResultsVisibility.MEMBERS)
    url = f"/kring-a/polls/{poll_id}/results"
    login_as(pw.a.admin)
    board = page_text(warm(app, client, url)[0])
    login_as(pw.a.member)
    member = page_text(warm(app, client, url)[0])
    assert "Publishing and exports" in board and "Save visibility" in board
    assert "Publishing and exports" not in member and "Save visibility" not in member
    assert "1 submitted response" in board and "1 submitted response" in member
    login_as(pw.a.facilitator)  # the board too: the board's page
    assert body_of(page_text(warm(app, client, url)[0])) == body_of(board)

    # The board publishes to the board only (the app's own POST): the member is refused
    # at once, though their page was kept.
    login_as(pw.a.admin)
    client.post(f"{url}/visibility", data={"visibility": "board"})
    login_as(pw.a.member)
    assert client.get(url).status_code == 403
    assert client.get(url).status_code == 403

    # Published to the members again by another worker: the member sees it at once.
    def publish():
        with tenant_scope(pw.a.tenant):
            db.session.get(Poll, poll_id).results_visibility = ResultsVisibility.MEMBERS
            db.session.flush()

    in_another_worker(app_config, publish)
    assert "1 submitted response" in page_text(client.get(url))

    # Back to a draft (another worker): members get 404, the board still sees it.
    def unpublish():
        with tenant_scope(pw.a.tenant):
            db.session.get(Poll, poll_id).state = PollState.DRAFT
            db.session.flush()

    in_another_worker(app_config, unpublish)
    assert client.get(url).status_code == 404
    login_as(pw.a.admin)
    assert client.get(url).status_code == 200
    # A member of tenant B never reaches A's poll, kept or not.
    login_as(pw.b.member)
    assert client.get(f"/kring-b/polls/{poll_id}/results").status_code == 404


def test_a_refused_publish_shows_its_error_and_is_not_kept(
    app, polls_world, poll_id, b_poll_id, client, login_as
):
    pw = polls_world
    login_as(pw.a.admin)
    url = f"/kring-a/polls/{poll_id}/results"
    warm(app, client, url)
    refused = client.post(f"{url}/visibility", data={"visibility": "everyone"})
    assert refused.status_code == 422 and "Please correct the following" in page_text(refused)
    again = page_text(warm(app, client, url)[0])
    assert "Please correct the following" not in again and "Publishing and exports" in again


def test_anonymous_results_show_the_same_merged_groups_kept_or_not(
    app, polls_world, b_poll_id, client, login_as
):
    """Groups too small to show stay merged: the kept page is the page built fresh."""
    pw = polls_world
    poll_id = make_poll(pw.a.tenant, anonymous=True, title="Anoniem")
    for email, company in (
        ("anna@alpha.test", "Alpha Bouw BV"),
        ("bert@berends.test", "Bakkerij Berends"),
        ("carla@chemie.test", "Chemie Colmschate"),
        ("dirk@dewit.test", "Drukkerij De Wit"),
        ("eva@elektro.test", "Elektro Eefde"),
    ):
        invite_for_rate(
            pw.a.tenant, poll_id, pw.contact_ids[email], pw.company_ids[company], email, email[0] in "abd"
        )
    login_as(pw.a.admin)
    url = f"/kring-a/polls/{poll_id}/results"
    app.config["KEEP_PAGE_DATA"] = False
    fresh = page_text(client.get(url))
    app.config["KEEP_PAGE_DATA"] = True
    kept = page_text(warm(app, client, url)[0])
    assert same_html(kept) == same_html(fresh)
    assert "Smaller groups together" in kept and "Aalsvoort" not in kept and "De Wieken" not in kept


@pytest.mark.both_databases
def test_public_results_kept_and_refused_once_unpublished(
    app, app_config, polls_world, poll_id, b_poll_id, client, login_as
):
    pw = polls_world
    add_response(
        pw.a.tenant, poll_id, {SINGLE: "Ja", LONG: "Secret words"}, company_id=pw.company_ids["Alpha Bouw BV"]
    )
    set_poll_values(pw.a.tenant, poll_id, results_visibility=ResultsVisibility.PUBLIC)
    url = f"/kring-a/polls/{poll_id}/results/public"
    body = page_text(warm(app, client, url)[0])
    assert "1 submitted response" in body
    assert "Publishing and exports" not in body and "Alpha Bouw" not in body and "Secret words" not in body
    # The board's page after the public one: its own version.
    login_as(pw.a.admin)
    assert "Publishing and exports" in page_text(client.get(f"/kring-a/polls/{poll_id}/results"))
    client.post("/account/logout")
    assert client.get(f"/kring-b/polls/{poll_id}/results/public").status_code == 404

    def to_members():
        with tenant_scope(pw.a.tenant):
            db.session.get(Poll, poll_id).results_visibility = ResultsVisibility.MEMBERS
            db.session.flush()

    in_another_worker(app_config, to_members)
    assert client.get(url).status_code == 404


# --- the list of polls ---------------------------------------------------------------------------


@pytest.mark.both_databases
def test_polls_list_kept_per_audience_and_page(
    app, app_config, polls_world, poll_id, b_poll_id, client, login_as
):
    pw = polls_world
    make_poll(pw.a.tenant, title="Concept van A", state=PollState.DRAFT)
    login_as(pw.a.admin)
    builder, statements = warm(app, client, "/kring-a/polls/")
    builder = page_text(builder)
    login_as(pw.a.member)
    member = page_text(warm(app, client, "/kring-a/polls/")[0])
    assert "Concept van A" in builder and "New poll" in builder
    assert "Concept van A" not in member and "New poll" not in member
    assert "Samenwerken op Aalsvoort" in member and "Poll of tenant B" not in member + builder

    # A poll made by another worker shows at once; past a page, page 2 is its own.
    def many():
        for n in range(30):
            make_poll(pw.a.tenant, title=f"Peiling {n:02d}")

    in_another_worker(app_config, many)
    first, more = warm(app, client, "/kring-a/polls/")
    assert len(more) == len(statements)  # the same statements for 3 polls as for 33
    second = page_text(warm(app, client, "/kring-a/polls/?page=2")[0])
    assert "Peiling 29" in page_text(first) and "Peiling 29" not in second
    assert "Samenwerken op Aalsvoort" in second
    # The htmx fragment is the kept list alone.
    fragment = page_text(client.get("/kring-a/polls/?page=2", headers={"HX-Request": "true"}))
    assert fragment.lstrip().startswith('<div id="poll-list">') and "Samenwerken op Aalsvoort" in fragment

    login_as(pw.b.admin)
    b_list = page_text(warm(app, client, "/kring-b/polls/")[0])
    assert "Poll of tenant B" in b_list and "Peiling" not in b_list and "Concept van A" not in b_list


# --- the answer page by personal link --------------------------------------------------------------


@pytest.mark.both_databases
def test_answer_page_kept_by_link_until_a_write(app, polls_world, poll_id, b_poll_id, client):
    pw = polls_world
    token = bert(pw, poll_id)
    dirk = invite(
        pw.a.tenant,
        poll_id,
        "dirk@dewit.test",
        pw.company_ids["Drukkerij De Wit"],
        pw.contact_ids["dirk@dewit.test"],
    )
    url = f"/kring-a/polls/{poll_id}/a/{token}"
    empty, before = warm(app, client, url)
    assert f'action="{url}"' in page_text(empty) and " checked" not in page_text(empty)

    # The holder saves a draft (the app's POST): the next GET shows it, then keeps it.
    values = valid_values(questions(pw.a.tenant, poll_id)).to_dict(flat=False)
    assert client.post(url, data={**values, "save": "1"}).status_code == 303
    filled, after = warm(app, client, url)
    assert " checked" in page_text(filled)
    assert len(after) == len(before)  # the same statements with a draft as without
    saved = page_text(warm(app, client, f"{url}?saved=1")[0])
    assert "Your answers are saved" in saved and "Your answers are saved" not in page_text(filled)
    # Another company's link sees its own (empty) form, with its own token.
    other = page_text(warm(app, client, f"/kring-a/polls/{poll_id}/a/{dirk}")[0])
    assert " checked" not in other and dirk in other and token not in other

    # What this process keeps holds neither token: the link's facts are kept by its hash.
    kept = app.extensions[cache.EXTENSION_KEY].data_generation.entries
    assert any(hash_token(token) in str(key) for key in kept)
    for key, value in kept.items():
        assert token not in str(key) + str(value) and dirk not in str(key) + str(value)

    # The same token opens nothing in tenant B, kept or not.
    assert client.get(f"/kring-b/polls/{poll_id}/a/{token}").status_code == 404
    assert client.get(f"/kring-a/polls/{b_poll_id}/a/{token}").status_code == 404

    # Submitted: the link shows its receipt at once, and the form no more.
    assert client.post(url, data={**values, "submit": "1"}).status_code == 303
    receipt = page_text(client.get(url))
    assert "Thank you! Your response was received." in receipt and 'name="submit"' not in receipt


@pytest.mark.both_databases
def test_a_link_revoked_in_another_worker_is_refused_at_once(
    app, app_config, polls_world, poll_id, b_poll_id, client
):
    pw = polls_world
    token = bert(pw, poll_id)
    b_token = invite(pw.b.tenant, b_poll_id, "bram@bravo.test", pw.b_company_id, pw.b_contact_id)
    url = f"/kring-a/polls/{poll_id}/a/{token}"
    warm(app, client, url)
    warm(app, client, f"/kring-b/polls/{b_poll_id}/a/{b_token}")
    with tenant_scope(pw.a.tenant):
        invitation_id = tokens.resolve(ANSWER_LINK, token).subject_id
    db.session.rollback()

    def withdraw():
        with tenant_scope(pw.a.tenant):
            tokens.revoke(ANSWER_LINK, invitation_id)
            db.session.flush()

    in_another_worker(app_config, withdraw)
    refused = client.get(url)
    assert refused.status_code == 404 and "This link does not work" in page_text(refused)
    assert client.get(url).status_code == 404
    assert client.post(url, data={"save": "1"}).status_code == 404
    # Tenant B's link lives on.
    assert client.get(f"/kring-b/polls/{b_poll_id}/a/{b_token}").status_code == 200


@pytest.mark.both_databases
def test_expiry_and_closing_time_judged_every_request(
    app, polls_world, poll_id, b_poll_id, client, monkeypatch
):
    """The clock alone (no write) ends a link and closes a poll: judged on every request
    from what is kept, to the second; the POST reads the database and is refused too."""
    pw = polls_world
    now = utcnow().replace(microsecond=0)
    closes = now + timedelta(days=2)
    set_poll_values(pw.a.tenant, poll_id, opens_at=now + timedelta(hours=1), closes_at=closes)
    token = bert(pw, poll_id)
    with tenant_scope(pw.a.tenant):
        invitation_id = tokens.resolve(ANSWER_LINK, token).subject_id
        expiring = tokens.issue(ANSWER_LINK, invitation_id, expires_at=now + timedelta(days=1))
        db.session.commit()
    url, expiring_url = (f"/kring-a/polls/{poll_id}/a/{raw}" for raw in (token, expiring))

    at(now, monkeypatch)
    assert "This poll opens on" in page_text(client.get(url))  # not yet open
    at(now + timedelta(hours=1), monkeypatch)
    warm(app, client, url)
    warm(app, client, expiring_url)
    built = builds(app)

    at(now + timedelta(days=1) - timedelta(seconds=1), monkeypatch)
    assert client.get(expiring_url).status_code == 200
    at(now + timedelta(days=1), monkeypatch)  # the second it expires
    refused = client.get(expiring_url)
    assert refused.status_code == 404 and "This link does not work" in page_text(refused)
    assert client.get(url).status_code == 200
    assert builds(app) == built  # refused from what is kept: no write, nothing built

    at(closes - timedelta(seconds=1), monkeypatch)
    assert client.get(url).status_code == 200
    at(closes, monkeypatch)  # the second it closes
    closed = client.get(url)
    assert closed.status_code == 410 and "This poll is closed" in page_text(closed)
    values = valid_values(questions(pw.a.tenant, poll_id)).to_dict(flat=False)
    assert client.post(url, data={**values, "submit": "1"}).status_code == 410
    with tenant_scope(pw.a.tenant):
        assert db.session.scalar(select(PollResponse.id).where(PollResponse.poll_id == poll_id)) is None


@pytest.mark.both_databases
def test_reading_the_polls_pages_writes_nothing(app, polls_world, poll_id, b_poll_id, client, login_as):
    """A GET never writes (not even the answer page's): every worker keeps its pages."""
    pw = polls_world
    add_response(pw.a.tenant, poll_id, {SINGLE: "Ja"}, company_id=pw.company_ids["Alpha Bouw BV"])
    set_poll_values(pw.a.tenant, poll_id, results_visibility=ResultsVisibility.PUBLIC)
    token = bert(pw, poll_id)
    b_token = invite(pw.b.tenant, b_poll_id, "bram@bravo.test", pw.b_company_id, pw.b_contact_id)
    stamp = data_stamp()
    anonymous = (
        f"/kring-a/polls/{poll_id}/a/{token}",
        f"/kring-a/polls/{poll_id}/a/{token}?saved=1",
        f"/kring-b/polls/{b_poll_id}/a/{b_token}",
        f"/kring-a/polls/{poll_id}/results/public",
    )
    for path in anonymous:
        for _ in range(2):
            assert client.get(path).status_code == 200, path
    assert data_stamp() == stamp
    login_as(pw.a.admin)
    db.session.rollback()
    stamp = data_stamp()  # signing in wrote; reading does not
    for path in ("/kring-a/polls/", f"/kring-a/polls/{poll_id}/results", *anonymous):
        for _ in range(2):
            assert client.get(path).status_code == 200, path
    assert data_stamp() == stamp
