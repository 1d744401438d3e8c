"""A personal link lives until the poll closes: the link of the invitation still
opens the answer page after two reminders, and once the poll is closed it shows
the closed page (410), never the "this link does not work" 404. Tenant B's
links do not open tenant A's poll."""

from __future__ import annotations

from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.polls import services
from plugins.polls.models import Poll, PollInvitation
from tests.members.support import page_text
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_reminders import app_config, invite, remind  # noqa: F401  (fixture)


def test_the_first_link_works_after_two_reminders_and_says_closed_after_the_end(
    client, polls_world, b_poll_id, smtp_server
):
    poll_id = make_poll(polls_world.a.tenant)
    first = invite(polls_world.a, poll_id, smtp_server, 6)["bert@berends.test"]
    b_link = invite(polls_world.b, b_poll_id, smtp_server, 1)
    for _ in range(2):
        remind(polls_world.a, poll_id)
        assert len(smtp_server.wait_for(6)) == 6
        smtp_server.clear()
    with tenant_scope(polls_world.a.tenant):
        reminded = db.session.scalar(
            select(PollInvitation.reminders_sent).where(
                PollInvitation.poll_id == poll_id, PollInvitation.email == "bert@berends.test"
            )
        )
    assert reminded == 2
    page = client.get(first)
    assert page.status_code == 200 and "Deze link werkt niet" not in page.text

    # Tenant B's link, pointed at tenant A's poll, finds nothing.
    (b_path,) = b_link.values()
    token = b_path.rsplit("/", 1)[1]
    assert client.get(f"/kring-a/polls/{poll_id}/a/{token}").status_code == 404

    with tenant_scope(polls_world.a.tenant):
        services.close_poll(db.session.get(Poll, poll_id), actor=polls_world.a.admin)
        db.session.commit()
    closed = client.get(first)
    assert closed.status_code == 410
    assert "Deze peiling is gesloten" in page_text(closed)  # the poll speaks Dutch
    # Tenant B's own poll is untouched by A's closing.
    assert client.get(b_path).status_code == 200
