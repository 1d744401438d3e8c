"""The panel pages under the members area: the list for managers (paginated, empty
state, queries that do not grow), adding a selection or everyone a filter finds,
uploading a CSV (a clear summary, or every problem by row and nobody added),
removing after a confirmation, and members changing only their own status.
Tenant B's people never reach tenant A's panel, nor the other way round."""

from __future__ import annotations

import io

import pytest

from kringwerk.extensions import db
from kringwerk.members import panel
from kringwerk.members.models import ContactPerson
from kringwerk.tenancy import tenant_scope
from tests.members.panel_support import on_panel
from tests.members.support import audit_actions, count_queries, page_text

PANEL = "/kring-a/members/panel/"


def join(tenant, *contact_ids):
    with tenant_scope(tenant):
        for contact_id in contact_ids:
            panel.join(db.session.get(ContactPerson, contact_id))
        db.session.commit()


def test_managers_see_the_list_and_an_empty_state(client, login_as, people):
    login_as(people.world.a.facilitator)
    empty = page_text(client.get(PANEL))
    assert "Panel members (0)" in empty and "Nobody is on the panel yet." in empty
    join(people.world.a.tenant, people.a["anna@alpha.test"])
    listing = page_text(client.get(PANEL))
    assert "Panel members (1)" in listing and "anna@alpha.test" in listing
    assert f"/kring-a/members/panel/{people.a['anna@alpha.test']}/remove" in listing


def test_the_list_queries_do_not_grow(app, client, login_as, people):
    # The page as built after a write (data kept per process would hide its statements).
    app.config["KEEP_PAGE_DATA"] = False
    join(people.world.a.tenant, people.a["anna@alpha.test"])
    login_as(people.world.a.admin)
    client.get(PANEL)
    with count_queries() as few:
        client.get(PANEL)
    join(people.world.a.tenant, people.a["arie@alpha.test"], people.a["karel@anker.test"])
    with count_queries() as more:
        assert "Panel members (3)" in page_text(client.get(PANEL))
    assert len(few) == len(more)


def test_add_a_selection_from_the_directory(client, login_as, people):
    login_as(people.world.a.admin)
    page = page_text(client.get("/kring-a/members/panel/add?q=alpha"))
    assert "Arie Alpha" in page and "Karel Anker" not in page and "Nina Zonder" not in page
    anna, arie = people.a["anna@alpha.test"], people.a["arie@alpha.test"]
    response = client.post(
        "/kring-a/members/panel/add", data={"mode": "selected", "contact_person_id": [anna, arie]}
    )
    assert response.status_code == 303
    assert on_panel(people.world.a.tenant) == {"anna@alpha.test", "arie@alpha.test"}
    assert "2 people added to the panel." in page_text(client.get(PANEL))
    assert "Arie Alpha" not in page_text(client.get("/kring-a/members/panel/add?q=alpha"))  # on it now
    # Tenant B's contact in the choice: refused, nobody added.
    refused = client.post(
        "/kring-a/members/panel/add",
        data={
            "mode": "selected",
            "contact_person_id": [people.a["karel@anker.test"], people.b["bram@bravo.test"]],
        },
    )
    assert refused.status_code == 422 and "nobody was added" in page_text(refused)
    assert on_panel(people.world.a.tenant) == {"anna@alpha.test", "arie@alpha.test"}
    assert on_panel(people.world.b.tenant) == set()
    for data in ({"mode": "selected", "contact_person_id": "x"}, {"mode": "fly"}):
        assert client.post("/kring-a/members/panel/add", data=data).status_code == 400


@pytest.mark.both_databases
def test_add_everyone_a_filter_finds(client, login_as, people):
    login_as(people.world.a.facilitator)
    park = people.members.park_id
    page = page_text(client.get(f"/kring-a/members/panel/add?park={park}"))
    assert "Add all 2 people found" in page
    response = client.post(f"/kring-a/members/panel/add?park={park}", data={"mode": "filtered"})
    assert response.status_code == 303
    assert on_panel(people.world.a.tenant) == {"anna@alpha.test", "arie@alpha.test"}
    assert audit_actions(people.world.a.tenant)[-1] == "panel.added_in_bulk"
    # Tenant B's park id is no filter in A: refused, rather than adding the whole directory.
    refused = client.post(
        f"/kring-a/members/panel/add?park={people.members.b_park_id}", data={"mode": "filtered"}
    )
    assert refused.status_code == 422 and "nobody was added" in page_text(refused)
    assert on_panel(people.world.a.tenant) == {"anna@alpha.test", "arie@alpha.test"}
    assert on_panel(people.world.b.tenant) == set()


def upload(client, text: str, name: str = "panel.csv"):
    return client.post(
        "/kring-a/members/panel/upload",
        data={"file": (io.BytesIO(text.encode("utf-8-sig")), name)},
        content_type="multipart/form-data",
    )


def test_upload_a_csv(client, login_as, people):
    login_as(people.world.a.admin)
    assert "How the file should look" in page_text(client.get("/kring-a/members/panel/upload"))
    bad = upload(
        client, f"email;naam\nanna@alpha.test;Anna\nnobody@example.test;X\n{people.b['bram@bravo.test']};B\n"
    )
    assert bad.status_code == 422
    text = page_text(bad)
    assert "Nobody was added" in text and "The file has 2 problems" in text
    assert "No contact person has this e-mail address." in text
    assert f"There is no contact person with number {people.b['bram@bravo.test']}." in text
    assert on_panel(people.world.a.tenant) == set()
    good = upload(client, "email;naam\nanna@alpha.test;Anna\nkarel@anker.test;Karel\n")
    assert good.status_code == 303
    assert "2 people added to the panel." in page_text(client.get(PANEL))
    assert on_panel(people.world.a.tenant) == {"anna@alpha.test", "karel@anker.test"}
    assert on_panel(people.world.b.tenant) == set()
    assert "file is empty" in page_text(upload(client, ""))


def test_remove_after_a_confirmation(client, login_as, people):
    anna = people.a["anna@alpha.test"]
    join(people.world.a.tenant, anna)
    login_as(people.world.a.admin)
    confirm = client.get(f"/kring-a/members/panel/{anna}/remove")
    assert confirm.status_code == 200 and "Remove Anna de Vries from the panel?" in page_text(confirm)
    assert on_panel(people.world.a.tenant) == {"anna@alpha.test"}  # asking changes nothing
    assert client.post(f"/kring-a/members/panel/{anna}/remove").status_code == 303
    assert on_panel(people.world.a.tenant) == set()
    assert audit_actions(people.world.a.tenant)[-1] == "panel.left"
    assert client.get(f"/kring-a/members/panel/{anna}/remove").status_code == 404  # not on it anymore


def test_members_change_only_their_own_status(client, login_as, people):
    member = people.world.a.member
    with tenant_scope(people.world.a.tenant):
        db.session.get(ContactPerson, people.a["karel@anker.test"]).user_id = member.id
        db.session.commit()
    login_as(member)
    page = page_text(client.get(PANEL))
    assert "not on the panel" in page and "Panel members" not in page  # no list for members
    karel = people.a["karel@anker.test"]
    assert client.post(PANEL, data={"action": "join", "contact_person_id": karel}).status_code == 303
    assert on_panel(people.world.a.tenant) == {"karel@anker.test"}
    assert client.post(PANEL, data={"action": "leave", "contact_person_id": karel}).status_code == 303
    assert on_panel(people.world.a.tenant) == set()
    other = people.a["anna@alpha.test"]
    assert client.post(PANEL, data={"action": "join", "contact_person_id": other}).status_code == 404
    assert client.post(PANEL, data={"action": "fly", "contact_person_id": karel}).status_code == 400
    # The management pages are the board's and park management's.
    assert client.get("/kring-a/members/panel/add").status_code == 403
    assert client.get("/kring-a/members/panel/upload").status_code == 403
    assert on_panel(people.world.a.tenant) == set()


def test_tenant_b_stays_out(client, login_as, people):
    anna = people.a["anna@alpha.test"]
    join(people.world.a.tenant, anna)
    assert client.get(PANEL).status_code == 302  # sign in first
    login_as(people.world.b.admin)
    for path in (
        PANEL,
        "/kring-a/members/panel/add",
        "/kring-a/members/panel/upload",
        f"/kring-a/members/panel/{anna}/remove",
    ):
        assert client.get(path).status_code == 404
    assert client.post(f"/kring-a/members/panel/{anna}/remove").status_code == 404
    # Under B's own prefix, A's contact id finds nothing.
    assert client.post(f"/kring-b/members/panel/{anna}/remove").status_code == 404
    assert (
        client.post(
            "/kring-b/members/panel/add", data={"mode": "selected", "contact_person_id": anna}
        ).status_code
        == 422
    )
    assert on_panel(people.world.a.tenant) == {"anna@alpha.test"} and on_panel(people.world.b.tenant) == set()


def test_the_member_administration_links_to_the_panel(client, login_as, people):
    login_as(people.world.a.admin)
    assert 'href="/kring-a/members/panel/"' in page_text(client.get("/kring-a/members/"))
    assert 'href="/kring-a/members/panel/"' in page_text(client.get("/kring-a/admin/"))
