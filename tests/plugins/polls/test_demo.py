"""``kringwerk demo`` gives the business-park tenant (IKL, Aalsvoort) a closed poll
of about forty responses whose results show cooperation matches, and an open
poll with invitations outstanding; a second run adds no polls, and the printed
personal link of the demo entrepreneur opens the open poll."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select

from kringwerk.demo.services import load_demo
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Tenant
from plugins.polls.matches import cooperation_matches
from plugins.polls.models import Poll, PollInvitation, PollResponse, PollState, ResponseStatus


def _tenant(slug: str) -> Tenant:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def test_demo_polls_show_matches_and_outstanding_invitations(app, client, world):
    first = load_demo()
    ikl = _tenant("ikl")
    with tenant_scope(ikl):
        closed = db.session.scalar(select(Poll).where(Poll.state == PollState.CLOSED))
        submitted = db.session.scalar(
            select(func.count(PollResponse.id)).where(
                PollResponse.poll_id == closed.id, PollResponse.status == ResponseStatus.SUBMITTED
            )
        )
        assert 35 <= submitted <= 45
        matches = [match for match in cooperation_matches(closed) if match.interested >= 3]
        assert {match.theme_name for match in matches} >= {"Energie", "Bereikbaarheid"}
        assert all(len(match.company_ids) == match.interested for match in matches)

        open_poll = db.session.scalar(select(Poll).where(Poll.state == PollState.OPEN))
        outstanding = db.session.scalar(
            select(func.count(PollInvitation.id)).where(
                PollInvitation.poll_id == open_poll.id, PollInvitation.responded_at.is_(None)
            )
        )
        assert 3 <= outstanding <= 10
        polls_before = db.session.scalar(select(func.count(Poll.id)))

    # Other polls-enabled demo tenants without such a park get no demo polls; the world's none.
    for slug in ("mkb-lv",):
        with tenant_scope(_tenant(slug)):
            assert db.session.scalar(select(func.count(Poll.id))) == 0
    with tenant_scope(world.b.tenant):
        assert db.session.scalar(select(func.count(Poll.id))) == 0

    second = load_demo()
    with tenant_scope(_tenant("ikl")):
        assert db.session.scalar(select(func.count(Poll.id))) == polls_before
    assert "ikl" not in second.added or not second.added["ikl"].get("polls")

    # The printed link opens the entrepreneur's own response (a fresh link each run).
    (first_url,) = _answer_links(first)
    (url,) = _answer_links(second)
    assert first_url != url
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200
    assert "Laadplein en zonnedaken op Aalsvoort" in page.get_data(as_text=True)
    # The first run's link no longer works once a new one went out.
    assert client.get(urlsplit(first_url).path).status_code == 404


def _answer_links(report) -> list[str]:
    """The polls' personal answer links among everything the demo printed."""
    return [url for _label, url in report.links if "/polls/" in urlsplit(url).path]
