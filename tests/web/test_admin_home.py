"""The admin home (/<tenant>/admin/): who may open it, and which sections it
lists (by role, by tenant kind, and only for endpoints that exist)."""

from __future__ import annotations

import pytest

from kringwerk.accounts.models import Role
from kringwerk.extensions import db
from kringwerk.pluginhost import AdminSection
from kringwerk.tenancy.models import TenantKind
from kringwerk.web import hooks
from kringwerk.web.hooks import ADMIN_SECTIONS, is_not_region, is_region
from tests.web.conftest import count_queries, page

TEST_SECTIONS = (
    AdminSection("members.directory", "Section for managers", "Everyone who manages", order=1),
    AdminSection("web.tenant_home", "Section for the board", roles=(Role.ADMIN,), order=2),
    AdminSection("web.tenant_stylesheet", "Section for regions", condition=is_region, order=3),
    AdminSection("web.landing", "Section elsewhere", condition=is_not_region, order=4),
    AdminSection("nowhere.missing", "Section not built yet", order=0),
)


@pytest.fixture
def test_sections(monkeypatch):
    monkeypatch.setattr(hooks, "ADMIN_SECTIONS", TEST_SECTIONS)


def section_labels(response) -> list[str]:
    shell = page(response)
    return [label for label in (s.label for s in TEST_SECTIONS) if label in shell.text]


def test_managers_get_in_others_do_not(client, world, login_as):
    assert client.get("/kring-a/admin/").status_code == 302  # visitor: to the sign-in page
    for user, status in (
        (world.a.admin, 200),
        (world.a.facilitator, 200),
        (world.a.official, 403),
        (world.a.member, 403),
        (world.b.admin, 404),  # another tenant's board learns nothing
        (world.outsider, 404),
        (world.operator, 200),
    ):
        login_as(user)
        assert client.get("/kring-a/admin/").status_code == status, user.email
        client.post("/account/logout")


def test_sections_follow_role_and_tenant_kind(client, world, login_as, test_sections):
    login_as(world.a.admin)
    assert section_labels(client.get("/kring-a/admin/")) == [
        "Section for managers",
        "Section for the board",
        "Section elsewhere",
    ]
    client.post("/account/logout")
    login_as(world.a.facilitator)
    assert section_labels(client.get("/kring-a/admin/")) == ["Section for managers", "Section elsewhere"]

    world.a.tenant.kind = TenantKind.REGION
    db.session.commit()
    assert section_labels(client.get("/kring-a/admin/")) == ["Section for managers", "Section for regions"]


def test_sections_link_inside_the_tenant(client, world, login_as, test_sections):
    login_as(world.a.admin)
    shell = page(client.get("/kring-a/admin/"))
    assert shell.find("a", href="/kring-a/members/")
    assert not shell.find("a", href="/kring-b/members/")


def test_no_sections_shows_an_empty_state(client, world, login_as, monkeypatch):
    from kringwerk.billing import hooks as billing_hooks

    monkeypatch.setattr(hooks, "ADMIN_SECTIONS", (AdminSection("nowhere.missing", "Nothing"),))
    monkeypatch.setattr(billing_hooks, "SECTION", AdminSection("nowhere.missing", "Nothing"))
    login_as(world.a.admin)
    response = client.get("/kring-a/admin/")
    assert response.status_code == 200
    assert page(response).find("div", class_="empty-state")


def test_real_sections_appear_once_their_views_exist(app, client, world, login_as):
    """Whatever the other domains have built so far: each existing endpoint is linked."""
    from flask import url_for

    login_as(world.a.admin)
    shell = page(client.get("/kring-a/admin/"))
    with app.test_request_context():
        expected = {
            url_for(s.endpoint, tenant="kring-a", **s.values)
            for s in ADMIN_SECTIONS
            if s.endpoint in app.view_functions and (s.condition is None or s.condition(world.a.tenant))
        }
    linked = {a["href"] for a in shell.find("a")}
    assert expected <= linked


def test_admin_home_query_count_is_constant(app, client, world, login_as, test_sections):
    login_as(world.a.admin)
    client.get("/kring-a/admin/")
    with count_queries(app) as statements:
        client.get("/kring-a/admin/")
    assert len(statements) <= 6, statements


@pytest.mark.parametrize("who", ["admin", "facilitator"])
def test_a_section_is_listed_exactly_when_its_page_opens(app, client, world, login_as, who):
    """The roles in ADMIN_SECTIONS stay in step with what the linked views allow."""
    from flask import url_for

    login_as(getattr(world.a, who))
    linked = {a["href"] for a in page(client.get("/kring-a/admin/")).find("a")}
    with app.test_request_context():
        urls = [
            url_for(s.endpoint, tenant="kring-a", **s.values)
            for s in ADMIN_SECTIONS
            if s.endpoint in app.view_functions and (s.condition is None or s.condition(world.a.tenant))
        ]
    for url in urls:
        status = client.get(url).status_code
        assert status in (200, 403), (url, status)
        assert (url in linked) == (status == 200), (who, url, status)
