"""The site header (brand, language switch, user menu, navigation) kept per person, tenant,
language and current entry until the next write (issue 15): a warm page builds neither the
navigation nor the header; the URL the language switch and sign-in return to and the CSRF
token are each request's own; a change by this worker or another one shows at the next
request; one tenant's header never reaches the other."""

from __future__ import annotations

import html
import re

import pytest
from flask import render_template_string, url_for

from kringwerk.accounts import people
from kringwerk.accounts.models import Membership, Role, User
from kringwerk.extensions import db
from kringwerk.pluginhost.services import disable_plugin
from kringwerk.tenancy import cache, tenant_scope
from kringwerk.tenancy.models import Tenant
from kringwerk.web import navigation
from tests.conftest import base_config
from tests.support.workers import in_another_worker
from tests.web.conftest import count_queries, page

pytestmark = pytest.mark.both_databases

PROBE = "{% extends 'base.html' %}{% block title %}Probe{% endblock %}{% block content %}<p>probe</p>{% endblock %}"


@pytest.fixture
def probe(app):
    """An empty page in the shell, on a tenant's URL and on the platform's."""
    app.add_url_rule("/<tenant>/header-probe", "tenant_header_probe", lambda: render_template_string(PROBE))
    app.add_url_rule("/header-probe", "header_probe", lambda: render_template_string(PROBE))


@pytest.fixture
def entries_built(monkeypatch):
    built = []
    real = navigation._entries
    monkeypatch.setattr(navigation, "_entries", lambda tenant: built.append(tenant.id) or real(tenant))
    return built


def nav(response) -> list[tuple[str, bool]]:
    """(label, current) of each navigation entry."""
    block = re.search(r'<nav class="main-nav".*?</nav>', response.get_data(as_text=True), re.S)
    if not block:
        return []
    return [
        (label, "aria-current" in attrs)
        for attrs, label in re.findall(r"<a ([^>]*)>([^<]+)</a>", block.group(0))
    ]


def menu_name(response) -> str | None:
    found = re.search(
        r'<details class="user-menu">\s*<summary>([^<]*)</summary>', response.get_data(as_text=True)
    )
    return found and html.unescape(found.group(1))


def builds(app) -> int:
    return app.extensions[cache.EXTENSION_KEY].builds


def stamps_read(app) -> int:
    return app.extensions[cache.EXTENSION_KEY].stamps_read


def test_a_warm_page_builds_neither_navigation_nor_header(app, client, login_as, world, probe, entries_built):
    login_as(world.a.admin)
    first = client.get("/kring-a/header-probe")
    assert first.status_code == 200 and entries_built == [world.a.tenant.id]
    built = builds(app)
    for _ in range(3):
        reads = stamps_read(app)
        with count_queries(app) as statements:
            again = client.get("/kring-a/header-probe")
        assert again.get_data() == first.get_data()
        # The stamps, once, with the driver alone (tenancy/cache.py): no statement through SQLAlchemy.
        assert statements == [] and stamps_read(app) == reads + 1, statements
    assert builds(app) == built and entries_built == [world.a.tenant.id]
    assert ("Administration", False) in nav(first) and menu_name(first) == world.a.admin.name


def test_a_visitor_outside_any_tenant_costs_no_statement(app, client, probe):
    client.get("/header-probe")
    with count_queries(app) as statements:
        response = client.get("/header-probe")
    assert response.status_code == 200 and statements == []
    assert page(response).find("a", class_="sign-in-link")
    assert not nav(response) and menu_name(response) is None


def test_the_current_entry_follows_the_page(client, login_as, world):
    login_as(world.a.member)
    for _ in range(2):  # the second round is served from what the first kept
        home = dict(nav(client.get("/kring-a/")))
        members = dict(nav(client.get("/kring-a/members/")))
        assert home["Dashboard"] and not home["Members"]
        assert members["Members"] and not members["Dashboard"]


def test_the_return_url_is_each_requests_own(app, client, login_as, world, probe):
    for path in ("/kring-a/header-probe", "/header-probe"):
        for query in ("?q=%3Cb%3E+%26x&page=2", "?q=other"):
            response = client.get(path + query)
            shell = page(response)
            here = path + query
            assert shell.find("input", name="next", value=here), (path, query)
            with app.test_request_context(here):
                sign_in = url_for("accounts.login", next=here)
            assert shell.find("a", class_="sign-in-link", href=sign_in)
            assert "kringwerk-return-url" not in response.get_data(as_text=True)
            assert "kringwerk-sign-in-url" not in response.get_data(as_text=True)
    # No sign-in link on the sign-in page itself, though the header is otherwise the same.
    assert not page(client.get("/account/login")).find("a", class_="sign-in-link")
    assert page(client.get("/header-probe")).find("a", class_="sign-in-link")


def test_each_person_and_tenant_has_their_own_header(app, world, probe):
    admin, member = app.test_client(), app.test_client()
    for client, user in ((admin, world.a.admin), (member, world.a.member)):
        client.post("/account/login", data={"email": user.email, "password": world.password})
    for _ in range(2):
        seen_admin = admin.get("/kring-a/header-probe")
        seen_member = member.get("/kring-a/header-probe")
        assert menu_name(seen_admin) == world.a.admin.name and menu_name(seen_member) == world.a.member.name
        assert "Administration" in dict(nav(seen_admin))
        assert "Administration" not in dict(nav(seen_member))
        assert "Kring B" not in seen_admin.get_data(as_text=True)
    other = app.test_client()
    other.post("/account/login", data={"email": world.b.admin.email, "password": world.password})
    for _ in range(2):
        seen_b = other.get("/kring-b/header-probe")
        text = seen_b.get_data(as_text=True)
        assert menu_name(seen_b) == world.b.admin.name and "Kring B" in text and "Kring A" not in text
        # Admin of A, no member of B: the member-only parts stay out, whatever A keeps.
        assert nav(admin.get("/kring-b/header-probe")) == []


def test_a_change_through_the_app_shows_at_the_next_request(client, login_as, world, probe):
    login_as(world.a.member)
    for _ in range(2):
        assert menu_name(client.get("/kring-a/header-probe")) == world.a.member.name
    response = client.post("/account/profile", data={"name": "Renamed Member", "preferred_locale": "en"})
    assert response.status_code == 302
    assert menu_name(client.get("/kring-a/header-probe")) == "Renamed Member"
    assert menu_name(client.get("/header-probe")) == "Renamed Member"


def test_changes_in_another_worker_show_at_the_next_request(
    app, app_config, client, login_as, dummy_on, probe
):
    world = dummy_on
    tenant_id, email, admin_email = world.a.tenant.id, world.a.facilitator.email, world.a.admin.email
    login_as(world.a.facilitator)
    for _ in range(2):
        first = client.get("/kring-a/header-probe")
        assert {"Dummy", "Administration"} <= set(dict(nav(first)))
        assert "Kring A" in first.get_data(as_text=True)

    def rename_everything():
        tenant = db.session.get(Tenant, tenant_id)
        tenant.name = "Kring Anders"
        db.session.scalar(db.select(User).where(User.email == email)).name = "Elsewhere Renamed"

    in_another_worker(app_config, rename_everything)
    renamed = client.get("/kring-a/header-probe")
    assert menu_name(renamed) == "Elsewhere Renamed"
    assert 'class="brand__name">Kring Anders<' in renamed.get_data(as_text=True)

    def narrow():
        tenant = db.session.get(Tenant, tenant_id)
        admin = db.session.scalar(db.select(User).where(User.email == admin_email))
        disable_plugin(tenant, "dummy", actor=admin)
        with tenant_scope(tenant):
            user_id = db.session.scalar(db.select(User.id).where(User.email == email))
            membership = db.session.scalar(db.select(Membership).where(Membership.user_id == user_id))
            people.change_role(tenant, membership, Role.MEMBER, actor=admin)

    in_another_worker(app_config, narrow)
    labels = set(dict(nav(client.get("/kring-a/header-probe"))))
    assert "Dummy" not in labels and "Administration" not in labels and "Members" in labels
    assert client.get("/kring-b/header-probe").status_code == 200
    assert nav(client.get("/kring-b/header-probe")) == []  # never a member of B


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, tmp_path, database_url):
        return base_config(tmp_path, database_url, WTF_CSRF_ENABLED=True)

    def test_each_visitor_gets_their_own_token_in_the_kept_header(self, app, probe, world):
        for path in ("/header-probe", "/kring-a/header-probe"):
            tokens = []
            for visitor in (app.test_client(), app.test_client()):
                for _ in range(2):
                    text = visitor.get(path).get_data(as_text=True)
                    assert "kringwerk-header-csrf-token" not in text
                    in_header = re.search(
                        r'class="language-switch".*?name="csrf_token" value="([^"]+)"', text, re.S
                    )
                    own = re.search(r'"X-CSRFToken": "([^"]+)"', text).group(1)
                    assert in_header.group(1) == own
                tokens.append(own)
                response = visitor.post("/language", data={"csrf_token": own, "language": "nl", "next": path})
                assert response.status_code == 302, path
            assert tokens[0] != tokens[1]


@pytest.mark.parametrize(
    "here",
    ["/", "/kring-a/members/?q=a b&page=2", "/x?next=/y#z", "/kring-a/zoek?q=café&x=%2F&y=€;!$'()*,:@"],
)
def test_the_sign_in_url_is_url_fors_own(app, here):
    with app.test_request_context("/"):
        assert navigation.sign_in_url(here) == url_for("accounts.login", next=here)


@pytest.mark.postgresql_only
def test_a_warm_page_in_the_shell_on_postgresql_begins_no_transaction(
    client, login_as, world, probe, monkeypatch
):
    from kringwerk.tenancy import rls

    login_as(world.a.admin)
    client.get("/kring-a/header-probe")
    begun = []
    real = rls._begin_with_scope
    monkeypatch.setattr(rls, "_begin_with_scope", lambda *args: begun.append(args) or real(*args))
    reads = stamps_read(client.application)
    with count_queries(client.application) as statements:
        response = client.get("/kring-a/header-probe")
    assert response.status_code == 200 and "Administration" in dict(nav(response))
    assert statements == [] and stamps_read(client.application) == reads + 1
    assert begun == []  # the stamp read runs outside a transaction, and nothing else runs
