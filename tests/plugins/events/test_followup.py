"""From a poll's match to a theme meeting: with events enabled, the polls match page offers
"Organise a theme meeting" to the board; its POST makes a draft event on the theme with the
matched companies' contacts, who are invited when it is published. Tenant B's companies
never get on A's list, and B's board cannot start A's follow-up."""

from __future__ import annotations

import re
from pathlib import Path

from kringwerk.extensions import db
from kringwerk.members.models import Company, ContactPerson
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.events.models import Event, EventState
from tests.plugins.polls.conftest import b_poll_id, poll_id, polls_world  # noqa: F401  (fixtures)
from tests.plugins.polls.test_matches import interest, theme_ids  # noqa: F401  (fixtures)


def test_a_match_becomes_a_draft_theme_meeting_with_invitations(app, interest, poll_id, client, login_as):  # noqa: F811
    for side in (interest.a, interest.b):
        enable_plugin(side.tenant, "events")
    db.session.commit()
    first, *_ = theme_ids(interest, poll_id)
    login_as(interest.a.admin)
    match_page = client.get(f"/kring-a/polls/{poll_id}/results/themes/{first}").get_data(as_text=True)
    assert "Organise a theme meeting" in match_page and "/kring-a/events/from-match" in match_page
    login_as(interest.a.member)
    member_page = client.get(f"/kring-a/polls/{poll_id}/results/themes/{first}").get_data(as_text=True)
    assert "Organise a theme meeting" not in member_page  # only organisers start one

    alpha = interest.company_ids["Alpha Bouw BV"]
    form = {
        "theme_id": str(first),
        "company_ids": [str(alpha), str(interest.b_company_id)],
        "source": "Peiling",
    }
    b_admin = login_as(interest.b.admin)
    assert b_admin.post("/kring-a/events/from-match", data=form).status_code == 404
    admin = login_as(interest.a.admin)
    response = admin.post("/kring-a/events/from-match", data=form)
    assert response.status_code == 303 and "/edit" in response.headers["Location"]
    with tenant_scope(interest.a.tenant):
        event = db.session.query(Event).one()
        assert event.state == EventState.DRAFT and [t.id for t in event.themes] == [first]
        emails = {db.session.get(ContactPerson, i).email for i in event.invited_contact_ids}
        assert emails == {"anna@alpha.test", "arie@alpha.test"}  # B's contact is not A's to invite
        event_id = event.id
    with tenant_scope(interest.b.tenant):
        assert db.session.query(Event).count() == 0
        assert db.session.get(Company, interest.b_company_id) is not None
    assert admin.post(f"/kring-a/events/{event_id}/publish").status_code == 303
    outbox = Path(app.config["OUTBOX_DIR"])
    invitations = [p.read_text() for p in outbox.glob("*.eml") if "Invitation:" in p.read_text()]
    assert sorted(re.search(r"^To: (.+)$", mail, re.M).group(1) for mail in invitations) == [
        "anna@alpha.test",
        "arie@alpha.test",
    ]
