"""Company and contact person pages: who may do what, forms, confirmation pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.members.models import Company, ContactPerson
from kringwerk.tenancy import tenant_scope
from tests.members.support import audit_actions, count_queries, page_text, theme_by_key


def company_form(**overrides) -> dict:
    data = {
        "name": "Nieuw Bedrijf BV",
        "kvk_number": "9876 54.32",
        "sector": "Bouw",
        "employees": "12",
        "street": "Industrieweg 1",
        "postcode": "7241ab",
        "city": "Lochem",
        "website": "www.nieuw.nl",
        "email": "info@nieuw.nl",
        "phone": "0573 123456",
        "business_park_id": "",
    }
    data.update(overrides)
    return data


def find(name: str, tenant) -> Company | None:
    # Requests ran in their own session; forget what this one has cached.
    db.session.expire_all()
    with tenant_scope(tenant):
        return db.session.scalar(select(Company).where(Company.name == name))


def test_manager_creates_a_company(members, login_as):
    client = login_as(members.a.facilitator)
    form = client.get("/kring-a/members/companies/new")
    assert form.status_code == 200
    text = page_text(form)
    assert "Aalsvoort" in text and "De Wieken" in text and "Noord" in text
    assert "Bravo" not in text and text.count(">Aalsvoort<") == 1  # B's park of the same name is not offered
    with tenant_scope(members.a.tenant):
        energie, mobiliteit = theme_by_key("energie"), theme_by_key("mobiliteit")
        mobiliteit.active = False
        db.session.commit()
        energie_id, mobiliteit_id = energie.id, mobiliteit.id
    assert f'value="{mobiliteit_id}"' not in page_text(client.get("/kring-a/members/companies/new"))
    response = client.post(
        "/kring-a/members/companies/new",
        data=company_form(
            business_park_id=str(members.park_id),
            circle_ids=[str(members.noord_id), str(members.zuid_id)],
            theme_ids=[str(energie_id)],
        ),
    )
    assert response.status_code == 302
    company = find("Nieuw Bedrijf BV", members.a.tenant)
    assert response.headers["Location"].endswith(f"/kring-a/members/companies/{company.id}")
    with tenant_scope(members.a.tenant):
        company = db.session.get(Company, company.id)
        assert (company.kvk_number, company.postcode, company.website, company.employees) == (
            "98765432",
            "7241 AB",
            "https://www.nieuw.nl",
            12,
        )
        assert company.business_park_id == members.park_id
        assert [c.name for c in company.circles] == ["Noord", "Zuid"]
        assert [t.key for t in company.themes] == ["energie"]
    assert audit_actions(members.a.tenant)[-1] == "company.created"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Nieuw Bedrijf BV" in page_text(page) and "https://www.nieuw.nl" in page_text(page)


def test_form_errors_answer_422_keep_input_and_sit_next_to_the_field(members, login_as):
    client = login_as(members.a.admin)
    response = client.post(
        "/kring-a/members/companies/new",
        data=company_form(
            name="Typed Name",
            kvk_number="1234",
            employees="-3",
            postcode="12345",
            website="javascript:alert(1)",
        ),
    )
    assert response.status_code == 422
    text = page_text(response)
    for name in ("kvk_number", "employees", "postcode", "website"):
        assert f'id="{name}-error"' in text, name
        assert f'aria-describedby="{name}-error"' in text or f"{name}-hint {name}-error" in text
    assert 'value="Typed Name"' in text and 'value="1234"' in text and 'value="-3"' in text
    assert "exactly 8 digits" in text
    assert find("Typed Name", members.a.tenant) is None


def test_duplicate_kvk_names_the_company_that_has_it(members, login_as):
    client = login_as(members.a.admin)
    response = client.post("/kring-a/members/companies/new", data=company_form(kvk_number="1234 5678"))
    assert response.status_code == 422
    text = page_text(response)
    assert 'id="kvk_number-error"' in text and "Alpha Bouw BV" in text
    # The same number in tenant B is fine: it is unique per tenant.
    client.post("/account/logout")
    other = login_as(members.b.admin)
    assert (
        other.post("/kring-b/members/companies/new", data=company_form(kvk_number="23456789")).status_code
        == 302
    )


def test_a_park_circle_or_theme_of_another_tenant_is_refused(members, login_as):
    client = login_as(members.a.admin)
    response = client.post(
        "/kring-a/members/companies/new",
        data=company_form(business_park_id=str(members.b_park_id), circle_ids=[str(members.b_circle_id)]),
    )
    assert response.status_code == 422
    text = page_text(response)
    assert 'id="business_park_id-error"' in text and 'id="circle_ids-error"' in text
    bad = client.post("/kring-a/members/companies/new", data=company_form(circle_ids=["abc"]))
    assert bad.status_code == 422


def test_edit_company(members, login_as):
    client = login_as(members.a.admin)
    url = f"/kring-a/members/companies/{members.alpha_id}/edit"
    form = page_text(client.get(url))
    assert 'value="Alpha Bouw BV"' in form and 'value="12345678"' in form
    assert (
        f'<input checked id="circle_ids-0" name="circle_ids" type="checkbox" value="{members.noord_id}">'
        in form
    )
    assert f'<option selected value="{members.park_id}">Aalsvoort</option>' in form
    response = client.post(
        url, data=company_form(name="Alpha Bouw BV", kvk_number="12345678", city="Zutphen")
    )
    assert response.status_code == 302
    db.session.expire_all()
    with tenant_scope(members.a.tenant):
        alpha = db.session.get(Company, members.alpha_id)
        assert (alpha.city, alpha.business_park_id, alpha.circles) == ("Zutphen", None, [])
    assert audit_actions(members.a.tenant)[-1] == "company.updated"


def test_members_see_companies_but_cannot_change_them(members, login_as):
    client = login_as(members.a.official)
    page = client.get(f"/kring-a/members/companies/{members.alpha_id}")
    assert page.status_code == 200
    text = page_text(page)
    assert "Alpha Bouw BV" in text and "Anna de Vries" in text
    assert "/edit" not in text and "/delete" not in text
    assert client.get("/kring-a/members/companies/new").status_code == 403
    assert client.post("/kring-a/members/companies/new", data=company_form()).status_code == 403
    assert client.get(f"/kring-a/members/companies/{members.alpha_id}/edit").status_code == 403
    assert client.post(f"/kring-a/members/companies/{members.alpha_id}/delete").status_code == 403
    assert find("Alpha Bouw BV", members.a.tenant) is not None


def test_another_tenant_gets_404(members, login_as):
    client = login_as(members.b.admin)
    for url in (
        f"/kring-b/members/companies/{members.alpha_id}",
        f"/kring-b/members/companies/{members.alpha_id}/edit",
        f"/kring-a/members/companies/{members.alpha_id}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/kring-b/members/companies/{members.alpha_id}/delete").status_code == 404
    assert find("Alpha Bouw BV", members.a.tenant) is not None


def test_outsider_and_visitor(members, client, login_as):
    assert client.get(f"/kring-a/members/companies/{members.alpha_id}").status_code == 302  # to sign in
    login_as(members.world.outsider)
    assert client.get(f"/kring-a/members/companies/{members.alpha_id}").status_code == 404


@pytest.mark.both_databases
def test_delete_company_with_confirmation(members, login_as):
    client = login_as(members.a.admin)
    url = f"/kring-a/members/companies/{members.alpha_id}/delete"
    confirm = client.get(url)
    assert confirm.status_code == 200
    text = page_text(confirm)
    assert (
        "Delete Alpha Bouw BV?" in text
        and "Its contact person is deleted as well." in text
        and 'method="post"' in text
    )
    assert find("Alpha Bouw BV", members.a.tenant) is not None  # GET changes nothing
    response = client.post(url)
    assert response.status_code == 302
    assert find("Alpha Bouw BV", members.a.tenant) is None
    with tenant_scope(members.a.tenant):
        assert db.session.scalars(select(ContactPerson)).all() == []
    assert audit_actions(members.a.tenant)[-1] == "company.deleted"
    assert find("Bravo Logistiek", members.b.tenant) is not None


def test_company_page_query_count_does_not_grow_with_contacts(app, members, login_as):
    # The page as it is built after a write; kept, it reads none (test_directory_kept).
    app.config["KEEP_PAGE_DATA"] = False
    client = login_as(members.a.member)
    url = f"/kring-a/members/companies/{members.alpha_id}"
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    with tenant_scope(members.a.tenant):
        alpha = db.session.get(Company, members.alpha_id)
        for n in range(15):
            alpha.contacts.append(ContactPerson(name=f"Contact {n}", email=f"c{n}@x.nl"))
        alpha.circles.append(db.session.get(type(members.zuid), members.zuid_id))
        alpha.themes.extend([theme_by_key("mobiliteit"), theme_by_key("veiligheid")])
        db.session.commit()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many)


# --- contact persons ----------------------------------------------------------------------


def test_add_edit_and_remove_a_contact(members, login_as):
    client = login_as(members.a.facilitator)
    add_url = f"/kring-a/members/companies/{members.alpha_id}/contacts/new"
    assert client.get(add_url).status_code == 200
    invalid = client.post(add_url, data={"name": "", "email": "nope"})
    assert invalid.status_code == 422
    assert 'id="name-error"' in page_text(invalid) and 'id="email-error"' in page_text(invalid)
    response = client.post(
        add_url, data={"name": "Mia Jansen", "job_title": "Eigenaar", "email": members.a.member.email}
    )
    assert response.status_code == 302
    with tenant_scope(members.a.tenant):
        mia = db.session.scalar(select(ContactPerson).where(ContactPerson.name == "Mia Jansen"))
        assert (mia.company_id, mia.user_id) == (members.alpha_id, members.a.member.id)
        mia_id = mia.id
    page = page_text(client.get(f"/kring-a/members/companies/{members.alpha_id}"))
    assert "Mia Jansen" in page and "Member account" in page

    edit_url = f"/kring-a/members/contacts/{mia_id}/edit"
    assert 'value="Mia Jansen"' in page_text(client.get(edit_url))
    assert (
        client.post(edit_url, data={"name": "Mia Jansen-de Boer", "email": "mia@elders.nl"}).status_code
        == 302
    )
    db.session.expire_all()
    with tenant_scope(members.a.tenant):
        mia = db.session.get(ContactPerson, mia_id)
        assert (mia.name, mia.email, mia.user_id) == ("Mia Jansen-de Boer", "mia@elders.nl", None)

    delete_url = f"/kring-a/members/contacts/{mia_id}/delete"
    confirm = client.get(delete_url)
    assert confirm.status_code == 200 and "Mia Jansen-de Boer" in page_text(confirm)
    assert client.post(delete_url).status_code == 302
    db.session.expire_all()
    with tenant_scope(members.a.tenant):
        assert db.session.get(ContactPerson, mia_id) is None
    assert audit_actions(members.a.tenant)[-3:] == ["contact.created", "contact.updated", "contact.deleted"]


def test_contacts_are_for_managers_and_stay_in_their_tenant(members, login_as):
    with tenant_scope(members.a.tenant):
        anna_id = db.session.scalar(select(ContactPerson.id))
    client = login_as(members.a.member)
    assert client.get(f"/kring-a/members/companies/{members.alpha_id}/contacts/new").status_code == 403
    assert client.post(f"/kring-a/members/contacts/{anna_id}/delete").status_code == 403
    client.post("/account/logout")
    other = login_as(members.b.admin)
    assert other.get(f"/kring-b/members/contacts/{anna_id}/edit").status_code == 404
    assert other.post(f"/kring-b/members/contacts/{anna_id}/delete").status_code == 404
    assert (
        other.post(
            f"/kring-b/members/companies/{members.alpha_id}/contacts/new", data={"name": "X"}
        ).status_code
        == 404
    )
    db.session.expire_all()
    with tenant_scope(members.a.tenant):
        assert db.session.get(ContactPerson, anna_id) is not None
