"""The entrepreneurs' panel: join, leave and join again (audited), the signed
one-click opt-out link (another tenant's or a damaged token refused with a
clear page), and the panel page for builders and for members who are contact
persons; tenant B never reaches tenant A's panel."""

from __future__ import annotations

from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.members.models import ContactPerson
from kringwerk.tenancy import tenant_scope
from plugins.polls import panel
from plugins.polls.models import PanelMember
from tests.members.support import audit_actions, count_queries, page_text


def contact(polls_world, email) -> ContactPerson:
    return db.session.get(ContactPerson, polls_world.contact_ids[email])


def on_panel(tenant) -> set[str]:
    with tenant_scope(tenant):
        return {c.email for _row, c in db.session.execute(panel.active_panel())}


def link_user(polls_world, email, user):
    with tenant_scope(polls_world.a.tenant):
        contact(polls_world, email).user_id = user.id
        db.session.commit()


def test_join_leave_and_join_again(polls_world):
    a = polls_world.a.tenant
    with tenant_scope(a):
        anna = contact(polls_world, "anna@alpha.test")
        first = panel.join(anna, actor=polls_world.a.admin)
        assert panel.join(anna) is first  # already on: nothing changes
        db.session.commit()
    assert on_panel(a) == {"anna@alpha.test"}
    with tenant_scope(a):
        anna = contact(polls_world, "anna@alpha.test")
        assert panel.leave(anna) is True
        assert panel.leave(anna) is False
        db.session.commit()
        row = db.session.scalar(select(PanelMember))
        assert row.left_at is not None  # the row stays: the trail shows when
    assert on_panel(a) == set()
    with tenant_scope(a):
        panel.join(contact(polls_world, "anna@alpha.test"))
        db.session.commit()
        assert db.session.scalar(select(PanelMember.left_at)) is None
        assert db.session.scalar(select(db.func.count(PanelMember.id))) == 1
    assert on_panel(a) == {"anna@alpha.test"}
    assert audit_actions(a)[-3:] == ["panel.joined", "panel.left", "panel.joined"]
    assert on_panel(polls_world.b.tenant) == set()


def test_opt_out_tokens_belong_to_their_tenant(polls_world):
    with tenant_scope(polls_world.a.tenant):
        anna = contact(polls_world, "anna@alpha.test")
        token = panel.opt_out_token(anna)
        assert panel.contact_for_opt_out_token(token).id == anna.id
        assert panel.contact_for_opt_out_token(token[:-2] + "xx") is None
        assert panel.contact_for_opt_out_token("nonsense") is None
        # Signed correctly, but naming tenant B's contact in A: nothing found.
        assert (
            panel.contact_for_opt_out_token(
                panel.opt_out_token_for(polls_world.a.tenant.id, polls_world.b_contact_id)
            )
            is None
        )
    with tenant_scope(polls_world.b.tenant):
        assert panel.contact_for_opt_out_token(token) is None  # A's token in B
        b_token = panel.opt_out_token(db.session.get(ContactPerson, polls_world.b_contact_id))
    with tenant_scope(polls_world.a.tenant):
        assert panel.contact_for_opt_out_token(b_token) is None


def test_one_click_opt_out_and_join_again(client, polls_world):
    with tenant_scope(polls_world.a.tenant):
        anna = contact(polls_world, "anna@alpha.test")
        panel.join(anna)
        token = panel.opt_out_token(anna)
        db.session.commit()
    page = client.get(f"/kring-a/polls/panel/opt-out/{token}")  # no account needed
    assert page.status_code == 200
    assert "You have left the entrepreneurs' panel" in page_text(page)
    assert page.headers["Cache-Control"] == "no-store"
    assert on_panel(polls_world.a.tenant) == set()
    assert client.get(f"/kring-a/polls/panel/opt-out/{token}").status_code == 200  # again: still fine
    again = client.post(f"/kring-a/polls/panel/opt-out/{token}")
    assert again.status_code == 200 and "on the entrepreneurs' panel again" in page_text(again)
    assert on_panel(polls_world.a.tenant) == {"anna@alpha.test"}
    # Under tenant B's prefix, or damaged: a clear 404 page, and nothing changes.
    for path in (f"/kring-b/polls/panel/opt-out/{token}", "/kring-a/polls/panel/opt-out/garbage"):
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 404
            assert "This link does not work" in page_text(response)
    assert on_panel(polls_world.a.tenant) == {"anna@alpha.test"}


def test_builders_add_and_remove_people(client, login_as, polls_world):
    login_as(polls_world.a.facilitator)
    found = client.get("/kring-a/polls/panel/?q=berends", headers={"HX-Request": "true"})
    assert found.status_code == 200
    text = page_text(found)
    assert text.strip().startswith('<div id="panel-candidates"') and "bert@berends.test" in text
    bert = polls_world.contact_ids["bert@berends.test"]
    response = client.post("/kring-a/polls/panel/", data={"action": "add", "contact_person_id": bert})
    assert response.status_code == 303
    assert on_panel(polls_world.a.tenant) == {"bert@berends.test"}
    listing = page_text(client.get("/kring-a/polls/panel/"))
    assert "Panel members (1)" in listing and "bert@berends.test" in listing
    assert "bert@berends.test" not in page_text(
        client.get("/kring-a/polls/panel/?q=berends", headers={"HX-Request": "true"})
    )
    assert (
        client.post("/kring-a/polls/panel/", data={"action": "remove", "contact_person_id": bert}).status_code
        == 303
    )
    assert on_panel(polls_world.a.tenant) == set()
    # Bad input is a 4xx; tenant B's contact is not found from A.
    assert (
        client.post("/kring-a/polls/panel/", data={"action": "add", "contact_person_id": "x"}).status_code
        == 400
    )
    assert (
        client.post("/kring-a/polls/panel/", data={"action": "fly", "contact_person_id": bert}).status_code
        == 400
    )
    b_contact = polls_world.b_contact_id
    assert (
        client.post(
            "/kring-a/polls/panel/", data={"action": "add", "contact_person_id": b_contact}
        ).status_code
        == 404
    )
    assert on_panel(polls_world.b.tenant) == set()


def test_members_manage_only_their_own_status(client, login_as, polls_world):
    member = polls_world.a.member
    link_user(polls_world, "eva@elektro.test", member)
    login_as(member)
    page = page_text(client.get("/kring-a/polls/panel/"))
    assert "not on the panel" in page and "Panel members" not in page  # no list for members
    eva = polls_world.contact_ids["eva@elektro.test"]
    assert (
        client.post("/kring-a/polls/panel/", data={"action": "join", "contact_person_id": eva}).status_code
        == 303
    )
    assert on_panel(polls_world.a.tenant) == {"eva@elektro.test"}
    assert "on the panel" in page_text(client.get("/kring-a/polls/panel/"))
    assert (
        client.post("/kring-a/polls/panel/", data={"action": "leave", "contact_person_id": eva}).status_code
        == 303
    )
    assert on_panel(polls_world.a.tenant) == set()
    other = polls_world.contact_ids["anna@alpha.test"]
    assert (
        client.post("/kring-a/polls/panel/", data={"action": "join", "contact_person_id": other}).status_code
        == 404
    )
    assert (
        client.post("/kring-a/polls/panel/", data={"action": "add", "contact_person_id": other}).status_code
        == 403
    )
    assert on_panel(polls_world.a.tenant) == set()


def test_panel_page_needs_a_member_of_the_tenant(client, login_as, polls_world):
    assert client.get("/kring-a/polls/panel/").status_code == 302  # sign in first
    login_as(polls_world.b.admin)
    assert client.get("/kring-a/polls/panel/").status_code == 404
    anna = polls_world.contact_ids["anna@alpha.test"]
    assert (
        client.post("/kring-a/polls/panel/", data={"action": "add", "contact_person_id": anna}).status_code
        == 404
    )
    # In B's own panel, A's contact id finds nothing.
    assert (
        client.post("/kring-b/polls/panel/", data={"action": "add", "contact_person_id": anna}).status_code
        == 404
    )
    assert on_panel(polls_world.a.tenant) == set() and on_panel(polls_world.b.tenant) == set()


def test_panel_list_queries_do_not_grow(client, login_as, polls_world):
    with tenant_scope(polls_world.a.tenant):
        panel.join(contact(polls_world, "anna@alpha.test"))
        db.session.commit()
    login_as(polls_world.a.admin)
    client.get("/kring-a/polls/panel/")
    with count_queries() as few:
        client.get("/kring-a/polls/panel/")
    with tenant_scope(polls_world.a.tenant):
        for email in ("bert@berends.test", "carla@chemie.test", "dirk@dewit.test", "eva@elektro.test"):
            panel.join(contact(polls_world, email))
        db.session.commit()
    with count_queries() as more:
        assert "Panel members (5)" in page_text(client.get("/kring-a/polls/panel/"))
    assert len(few) == len(more)


def test_the_polls_list_leads_to_the_panel(client, login_as, polls_world):
    login_as(polls_world.a.member)
    assert 'href="/kring-a/polls/panel/"' in page_text(client.get("/kring-a/polls/"))
    # Tenant B's member stays out of tenant A's polls altogether.
    login_as(polls_world.b.member)
    assert client.get("/kring-a/polls/").status_code == 404
