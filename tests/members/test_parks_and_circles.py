"""The business park and circle administration pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark, Circle, Company
from kringwerk.tenancy import tenant_scope
from tests.members.support import audit_actions, count_queries, page_text

KINDS = {
    "parks": (BusinessPark, "business_park_id"),
    "circles": (Circle, "circle_id"),
}


def names(model, tenant) -> list[str]:
    db.session.expire_all()
    with tenant_scope(tenant):
        return sorted(db.session.scalars(select(model.name)))


def test_park_list_shows_company_counts(members, login_as):
    response = login_as(members.a.facilitator).get("/kring-a/members/parks/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Aalsvoort" in text and "De Wieken" in text and "Lochem" in text
    assert f'href="/kring-a/members/?park={members.park_id}">1</a>' in text
    assert f'href="/kring-a/members/?park={members.other_park_id}">0</a>' in text


def test_circle_list_shows_company_counts(members, login_as):
    text = page_text(login_as(members.a.admin).get("/kring-a/members/circles/"))
    assert f'href="/kring-a/members/?circle={members.noord_id}">1</a>' in text
    assert f'href="/kring-a/members/?circle={members.zuid_id}">0</a>' in text


@pytest.mark.parametrize("kind", ["parks", "circles"])
def test_create_edit_with_unique_names(members, login_as, kind):
    model, _argument = KINDS[kind]
    client = login_as(members.a.admin)
    assert client.get(f"/kring-a/members/{kind}/new").status_code == 200
    empty = client.post(f"/kring-a/members/{kind}/new", data={"name": " "})
    assert empty.status_code == 422 and 'id="name-error"' in page_text(empty)
    taken = "Aalsvoort" if kind == "parks" else "Noord"
    duplicate = client.post(
        f"/kring-a/members/{kind}/new", data={"name": taken.upper(), "description": "Kept"}
    )
    assert duplicate.status_code == 422
    text = page_text(duplicate)
    assert 'id="name-error"' in text and "already a" in text and "Kept" in text
    assert client.post(f"/kring-a/members/{kind}/new", data={"name": "Nieuw"}).status_code == 302
    assert "Nieuw" in names(model, members.a.tenant)
    assert "Nieuw" not in names(model, members.b.tenant)
    # Tenant B may use a name tenant A uses.
    client.post("/account/logout")
    other = login_as(members.b.admin)
    assert other.post(f"/kring-b/members/{kind}/new", data={"name": "Nieuw"}).status_code == 302
    client.post("/account/logout")
    client = login_as(members.a.facilitator)
    with tenant_scope(members.a.tenant):
        item = db.session.scalar(select(model).where(model.name == "Nieuw"))
    edit = f"/kring-a/members/{kind}/{item.id}/edit"
    assert 'value="Nieuw"' in page_text(client.get(edit))
    assert client.post(edit, data={"name": taken}).status_code == 422
    assert client.post(edit, data={"name": "Hernoemd"}).status_code == 302
    assert "Hernoemd" in names(model, members.a.tenant)
    singular = "park" if kind == "parks" else "circle"
    assert audit_actions(members.a.tenant)[-2:] == [f"{singular}.created", f"{singular}.updated"]


@pytest.mark.both_databases
def test_delete_park_with_confirmation_keeps_companies(members, login_as):
    client = login_as(members.a.admin)
    url = f"/kring-a/members/parks/{members.park_id}/delete"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "1 company on this park stays" in page_text(confirm)
    assert client.post(url).status_code == 302
    assert names(BusinessPark, members.a.tenant) == ["De Wieken"]
    with tenant_scope(members.a.tenant):
        alpha = db.session.get(Company, members.alpha_id)
        assert alpha is not None and alpha.business_park_id is None
    assert audit_actions(members.a.tenant)[-1] == "park.deleted"


def test_delete_circle_with_confirmation_drops_links(members, login_as):
    client = login_as(members.a.admin)
    url = f"/kring-a/members/circles/{members.noord_id}/delete"
    assert "1 company leaves this circle" in page_text(client.get(url))
    assert client.post(url).status_code == 302
    assert names(Circle, members.a.tenant) == ["Zuid"]
    with tenant_scope(members.a.tenant):
        assert db.session.get(Company, members.alpha_id).circles == []
    assert names(Circle, members.b.tenant) == ["Noord"]
    assert audit_actions(members.a.tenant)[-1] == "circle.deleted"


@pytest.mark.parametrize("kind", ["parks", "circles"])
def test_only_managers_and_only_their_tenant(members, login_as, kind):
    model, _argument = KINDS[kind]
    own_id, own_name = (members.park_id, "Aalsvoort") if kind == "parks" else (members.noord_id, "Noord")
    client = login_as(members.a.member)
    assert client.get(f"/kring-a/members/{kind}/").status_code == 403
    assert client.post(f"/kring-a/members/{kind}/new", data={"name": "X"}).status_code == 403
    assert client.post(f"/kring-a/members/{kind}/{own_id}/delete").status_code == 403
    client.post("/account/logout")
    other = login_as(members.b.admin)
    assert other.get(f"/kring-b/members/{kind}/{own_id}/edit").status_code == 404
    assert other.post(f"/kring-b/members/{kind}/{own_id}/delete").status_code == 404
    assert own_name in names(model, members.a.tenant)
    assert "X" not in names(model, members.a.tenant)
    text = page_text(other.get(f"/kring-b/members/{kind}/"))
    assert f"/{own_id}/edit" not in text


def test_list_query_count_is_constant(app, members, login_as):
    # The page as built after a write (data kept per process would hide its statements).
    app.config["KEEP_PAGE_DATA"] = False
    client = login_as(members.a.admin)
    client.get("/kring-a/members/parks/")
    with count_queries() as few:
        client.get("/kring-a/members/parks/")
    with tenant_scope(members.a.tenant):
        db.session.add_all([BusinessPark(name=f"Park {n}") for n in range(20)])
        db.session.commit()
    with count_queries() as many:
        client.get("/kring-a/members/parks/")
    assert len(few) == len(many)
