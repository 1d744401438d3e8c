"""The people admin of a tenant: list, search, roles, removal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kringwerk.accounts.models import Membership, Role
from kringwerk.accounts.people import add_membership
from kringwerk.accounts.services import create_user
from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from tests.conftest import base_config

PEOPLE = "/kring-a/admin/people/"


def membership_of(tenant, user) -> Membership | None:
    db.session.expire_all()
    with tenant_scope(tenant):
        return db.session.scalar(select(Membership).where(Membership.user_id == user.id))


def last_audit(tenant) -> AuditEntry:
    with tenant_scope(tenant):
        return db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()


def add_people(tenant, count: int, role=Role.MEMBER, prefix="person"):
    users = []
    for n in range(count):
        user = create_user(f"{prefix}{n}@{tenant.slug}.example.com", f"{prefix.title()} {n:02d}")
        db.session.flush()
        with tenant_scope(tenant):
            add_membership(tenant, user, role)
            db.session.flush()
        users.append(user)
    db.session.commit()
    return users


def role_url(membership) -> str:
    return f"{PEOPLE}{membership.id}/role"


# --- the list --------------------------------------------------------------------------------


def test_lists_the_people_of_this_tenant_only(login_as, world):
    page = login_as(world.a.admin).get(PEOPLE).get_data(as_text=True)
    for person in (world.a.admin, world.a.facilitator, world.a.official, world.a.member):
        assert person.email in page
    for person in (world.b.admin, world.b.member, world.outsider):
        assert person.email not in page


@pytest.mark.parametrize("who", ["facilitator", "official", "member"])
def test_only_the_board_sees_it(login_as, world, who):
    assert login_as(getattr(world.a, who)).get(PEOPLE).status_code == 403


def test_other_tenants_and_outsiders_get_404(login_as, world):
    assert login_as(world.b.admin).get(PEOPLE).status_code == 404
    assert login_as(world.outsider).get(PEOPLE).status_code == 404


def test_operator_sees_it(login_as, world):
    assert login_as(world.operator).get(PEOPLE).status_code == 200


@pytest.mark.both_databases
def test_search_by_name_or_address(login_as, world):
    add_people(world.a.tenant, 3, prefix="zoek")
    client = login_as(world.a.admin)
    page = client.get(PEOPLE + "?q=ZOEK 01").get_data(as_text=True)
    assert "zoek1@kring-a.example.com" in page
    assert "zoek0@" not in page and world.a.member.email not in page
    page = client.get(PEOPLE + "?q=facilitator@kring").get_data(as_text=True)
    assert world.a.facilitator.email in page and world.a.member.email not in page
    page = client.get(PEOPLE + "?q=%25").get_data(as_text=True)  # a literal %, not a wildcard
    assert "empty-state" in page and world.a.member.email not in page


def test_filter_by_role(login_as, world):
    page = login_as(world.a.admin).get(PEOPLE + "?role=municipality").get_data(as_text=True)
    assert world.a.official.email in page
    assert world.a.member.email not in page and world.a.admin.email not in page


def test_an_unknown_role_filter_is_a_clear_error(login_as, world):
    response = login_as(world.a.admin).get(PEOPLE + "?role=emperor")
    assert response.status_code == 422
    assert 'id="role-error"' in response.get_data(as_text=True)


class TestPagination:
    @pytest.fixture
    def app_config(self, tmp_path, database_url):
        return base_config(tmp_path, database_url, PAGE_SIZE=3)

    def test_pages_keep_the_filter(self, login_as, world):
        add_people(world.a.tenant, 5, prefix="lid")
        client = login_as(world.a.admin)
        first = client.get(PEOPLE + "?q=lid").get_data(as_text=True)
        assert "Lid 00" in first and "Lid 03" not in first
        assert "page=2" in first and "q=lid" in first
        second = client.get(PEOPLE + "?q=lid&page=2").get_data(as_text=True)
        assert "Lid 03" in second and "Lid 04" in second and "Lid 00" not in second


def test_query_count_does_not_grow_with_the_people(app, login_as, world, count_queries):
    from kringwerk.tenancy import cache

    client = login_as(world.a.admin)
    client.get(PEOPLE)
    cache.forget_all(app)  # both counts of the first request after a write: nothing kept
    with count_queries() as few:
        assert client.get(PEOPLE).status_code == 200
    add_people(world.a.tenant, 20)
    client.post("/kring-a/admin/people/invite", data={"email": "x1@example.com", "role": "member"})
    client.post("/kring-a/admin/people/invite", data={"email": "x2@example.com", "role": "member"})
    cache.forget_all(app)
    with count_queries() as many:
        page = client.get(PEOPLE)
    assert page.status_code == 200
    assert "x2@example.com" in page.get_data(as_text=True)
    assert many.count <= few.count + 1  # at most the invitations count joins in


# --- roles -----------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_change_role_audits_the_change(login_as, world):
    client = login_as(world.a.admin)
    membership = membership_of(world.a.tenant, world.a.member)
    response = client.post(role_url(membership), data={f"membership-{membership.id}-role": "facilitator"})
    assert response.status_code == 302
    assert membership_of(world.a.tenant, world.a.member).role == Role.FACILITATOR
    entry = last_audit(world.a.tenant)
    assert entry.action == "membership.role_changed"
    assert entry.details == {"from": "member", "to": "facilitator"}
    assert entry.actor_id == world.a.admin.id


def test_change_role_by_htmx_answers_with_the_row(login_as, world):
    client = login_as(world.a.admin)
    membership = membership_of(world.a.tenant, world.a.member)
    response = client.post(
        role_url(membership), data={"role": "municipality"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<tr id="person-{membership.id}"')
    assert "<html" not in fragment
    assert '<option selected value="municipality">' in fragment
    assert membership_of(world.a.tenant, world.a.member).role == Role.MUNICIPALITY


def test_the_page_rows_post_to_htmx_with_a_row_target(login_as, world):
    page = login_as(world.a.admin).get(PEOPLE).get_data(as_text=True)
    assert 'hx-target="closest tr"' in page and 'hx-swap="outerHTML"' in page


@pytest.mark.both_databases
def test_the_last_admin_cannot_be_demoted(login_as, world):
    client = login_as(world.a.admin)
    membership = membership_of(world.a.tenant, world.a.admin)
    response = client.post(role_url(membership), data={"role": "member"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "last board member" in page and "<html" in page
    htmx = client.post(role_url(membership), data={"role": "member"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 422
    assert "last board member" in htmx.get_data(as_text=True)
    assert membership_of(world.a.tenant, world.a.admin).role == Role.ADMIN


def test_an_admin_may_step_down_when_another_remains(login_as, world):
    client = login_as(world.a.admin)
    other = membership_of(world.a.tenant, world.a.facilitator)
    client.post(role_url(other), data={"role": "admin"})
    mine = membership_of(world.a.tenant, world.a.admin)
    response = client.post(role_url(mine), data={"role": "member"}, headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/kring-a/"
    assert membership_of(world.a.tenant, world.a.admin).role == Role.MEMBER
    assert client.get(PEOPLE).status_code == 403


def test_bad_role_is_refused(login_as, world):
    membership = membership_of(world.a.tenant, world.a.member)
    response = login_as(world.a.admin).post(role_url(membership), data={"role": "emperor"})
    assert response.status_code == 422
    assert membership_of(world.a.tenant, world.a.member).role == Role.MEMBER


def test_role_of_another_tenant_cannot_be_changed(login_as, world):
    membership = membership_of(world.a.tenant, world.a.member)
    client = login_as(world.b.admin)
    assert (
        client.post(f"/kring-b/admin/people/{membership.id}/role", data={"role": "admin"}).status_code == 404
    )
    assert client.post(role_url(membership), data={"role": "admin"}).status_code == 404
    assert membership_of(world.a.tenant, world.a.member).role == Role.MEMBER


def test_a_facilitator_cannot_change_roles(login_as, world):
    membership = membership_of(world.a.tenant, world.a.facilitator)
    response = login_as(world.a.facilitator).post(role_url(membership), data={"role": "admin"})
    assert response.status_code == 403
    assert membership_of(world.a.tenant, world.a.facilitator).role == Role.FACILITATOR


# --- removal ------------------------------------------------------------------------------------


def test_remove_asks_first_then_removes(login_as, world):
    client = login_as(world.a.admin)
    membership = membership_of(world.a.tenant, world.a.member)
    url = f"{PEOPLE}{membership.id}/remove"
    confirm = client.get(url)
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert world.a.member.email in page and 'method="post"' in page
    assert membership_of(world.a.tenant, world.a.member) is not None
    assert client.post(url).status_code == 302
    assert membership_of(world.a.tenant, world.a.member) is None
    assert membership_of(world.b.tenant, world.b.member) is not None
    entry = last_audit(world.a.tenant)
    assert (entry.action, entry.target_label) == ("membership.removed", world.a.member.email)


def test_the_last_admin_cannot_be_removed(login_as, world):
    client = login_as(world.a.admin)
    membership = membership_of(world.a.tenant, world.a.admin)
    url = f"{PEOPLE}{membership.id}/remove"
    page = client.get(url).get_data(as_text=True)
    assert "last board member" in page and "button--danger" not in page
    response = client.post(url)
    assert response.status_code == 409
    assert "last board member" in response.get_data(as_text=True)
    assert membership_of(world.a.tenant, world.a.admin) is not None


def test_removal_in_another_tenant_answers_404(login_as, world):
    membership = membership_of(world.a.tenant, world.a.member)
    client = login_as(world.b.admin)
    assert client.get(f"/kring-b/admin/people/{membership.id}/remove").status_code == 404
    assert client.post(f"/kring-b/admin/people/{membership.id}/remove").status_code == 404
    assert membership_of(world.a.tenant, world.a.member) is not None


def test_empty_search_shows_an_empty_state(login_as, world):
    page = login_as(world.a.admin).get(PEOPLE + "?q=nobody-by-this-name").get_data(as_text=True)
    assert "empty-state" in page
