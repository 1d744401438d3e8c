"""Leaving the panel with the link in an e-mail: opening it (as a mail scanner does)
only asks and changes nothing; the POST leaves and says so. An expired, unknown or
damaged link, and a link of tenant B opened at tenant A (or A's under B's prefix),
show a clear page with 404 and change nothing. No account is needed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kringwerk.extensions import db, utcnow
from kringwerk.members import panel
from kringwerk.members.models import ContactPerson
from kringwerk.tenancy import tenant_scope
from kringwerk.tokens.models import PersonalToken
from tests.members.panel_support import on_panel
from tests.members.support import audit_actions, last_audit, page_text


def link_for(tenant, contact_id) -> str:
    """Put the contact on the panel and return the path of a fresh leave link."""
    with tenant_scope(tenant):
        contact = db.session.get(ContactPerson, contact_id)
        panel.join(contact)
        url = panel.opt_out_url(contact)
        db.session.commit()
    assert url.startswith("http://localhost/")
    return url.removeprefix("http://localhost")


@pytest.mark.both_databases
def test_opening_asks_and_posting_leaves(client, people):
    a = people.world.a.tenant
    path = link_for(a, people.a["anna@alpha.test"])
    assert path.startswith("/kring-a/panel/leave/")
    for _ in range(2):  # a mail scanner, then the person
        page = client.get(path)
        assert page.status_code == 200
        assert "Leave the entrepreneurs' panel" in page_text(page) and "Anna de Vries" in page_text(page)
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["Referrer-Policy"] == "no-referrer"
    assert on_panel(a) == {"anna@alpha.test"}
    assert "panel.left" not in audit_actions(a)

    done = client.post(path)
    assert done.status_code == 200
    assert "You have left the entrepreneurs' panel" in page_text(done)
    assert on_panel(a) == set()
    entry = last_audit(a)
    assert entry.action == "panel.left" and entry.actor_id is None and entry.details["via"] == "email_link"
    # Again: still a clear page, and nothing more happens.
    assert "is not on the entrepreneurs' panel" in page_text(client.get(path))
    assert client.post(path).status_code == 200
    assert audit_actions(a).count("panel.left") == 1


def test_an_expired_link_changes_nothing(client, people):
    a = people.world.a.tenant
    path = link_for(a, people.a["anna@alpha.test"])
    with tenant_scope(a):
        token = db.session.scalar(select(PersonalToken).where(PersonalToken.purpose == panel.OPT_OUT_PURPOSE))
        assert token.expires_at - utcnow() > timedelta(days=89)  # links last 90 days
        token.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 404
        assert "This link does not work" in page_text(response) and "expired" in page_text(response)
    assert on_panel(a) == {"anna@alpha.test"}


@pytest.mark.both_databases
def test_links_work_only_in_their_own_tenant(client, people):
    a, b = people.world.a.tenant, people.world.b.tenant
    a_path = link_for(a, people.a["anna@alpha.test"])
    b_path = link_for(b, people.b["bram@bravo.test"])
    a_token, b_token = a_path.rsplit("/", 1)[1], b_path.rsplit("/", 1)[1]
    for path in (
        f"/kring-a/panel/leave/{b_token}",  # B's link at A
        f"/kring-b/panel/leave/{a_token}",  # A's link under B's prefix
        "/kring-a/panel/leave/garbage",
        f"/kring-a/panel/leave/{a_token[:-2]}xx",
    ):
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 404, path
            assert "This link does not work" in page_text(response)
    assert on_panel(a) == {"anna@alpha.test"} and on_panel(b) == {"bram@bravo.test"}
    with tenant_scope(a):
        assert panel.contact_for_opt_out(b_token) is None
        assert panel.contact_for_opt_out(a_token).id == people.a["anna@alpha.test"]
    with tenant_scope(b):
        assert panel.contact_for_opt_out(a_token) is None


def test_a_link_for_a_deleted_contact_does_not_work(client, people):
    a = people.world.a.tenant
    path = link_for(a, people.a["karel@anker.test"])
    with tenant_scope(a):
        db.session.delete(db.session.get(ContactPerson, people.a["karel@anker.test"]))
        db.session.commit()
    assert client.post(path).status_code == 404
    assert on_panel(people.world.b.tenant) == set()


def test_the_leave_pages_speak_the_tenants_dutch(client, people):
    a = people.world.a.tenant
    path = link_for(a, people.a["anna@alpha.test"])
    with tenant_scope(a):
        db.session.merge(a).default_locale = "nl"
        db.session.commit()
    asking = page_text(client.get(path))
    assert "Het ondernemerspanel verlaten" in asking and "Leave the entrepreneurs' panel" not in asking
    assert "U hebt het ondernemerspanel verlaten" in page_text(client.post(path))
    assert on_panel(a) == set() and on_panel(people.world.b.tenant) == set()
