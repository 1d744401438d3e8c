"""The session's user and their membership of the request's tenant come in one
statement (issue 15), as strict as before: a bumped session version or a closed
account signs out on tenant pages too, and a membership of one tenant never
stands in for another."""

from __future__ import annotations

import re

import pytest
from flask import g
from sqlalchemy import event, select

from kringwerk.accounts import _user_and_membership
from kringwerk.accounts.models import Membership, Role, User
from kringwerk.accounts.people import add_membership
from kringwerk.accounts.permissions import current_membership, remember_membership
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope, unscoped

pytestmark = pytest.mark.both_databases


def statements_of(app, client, path: str) -> tuple[int, list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        status = client.get(path).status_code
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return status, seen


def reading_memberships_by_user(statements: list[str]) -> list[str]:
    return [s for s in statements if re.search(r"memberships\.user_id = (users\.id|\?|%|\$|:)", s)]


def test_the_user_and_their_membership_cost_one_statement(app, client, login_as, world):
    login_as(world.a.member)
    status, statements = statements_of(app, client, "/kring-a/members/")
    assert status == 200
    users = [s for s in statements if re.search(r"\bFROM users\b", s)]
    assert len(users) == 1, users
    assert "LEFT OUTER JOIN memberships" in users[0]
    # No second statement asks for the membership.
    assert reading_memberships_by_user(statements) == users


def test_a_page_without_a_tenant_loads_the_user_alone(app, client, login_as, world):
    login_as(world.a.member)
    status, statements = statements_of(app, client, "/account/")
    assert status == 200
    users = [s for s in statements if re.search(r"\bFROM users\b", s)]
    assert len(users) == 1 and "memberships" not in users[0]


def test_each_tenant_gets_its_own_membership(client, login_as, world):
    with tenant_scope(world.b.tenant):
        add_membership(world.b.tenant, world.a.admin, Role.MEMBER)
        db.session.flush()
    db.session.commit()
    login_as(world.a.admin)
    # Admin in A, member in B: B's pages never see A's role, nor A's B's.
    assert client.get("/kring-a/admin/people/").status_code == 200
    assert client.get("/kring-b/admin/people/").status_code == 403
    assert client.get("/kring-b/members/").status_code == 200
    assert client.get("/kring-a/admin/people/").status_code == 200


def test_a_member_of_one_tenant_is_nobody_in_the_other(client, login_as, world):
    login_as(world.a.member)
    assert client.get("/kring-a/members/").status_code == 200
    assert client.get("/kring-b/members/").status_code == 404


def test_an_operator_without_a_membership_stays_signed_in_on_tenant_pages(client, login_as, world):
    login_as(world.operator)
    assert client.get("/kring-a/members/").status_code == 200
    assert client.get("/kring-b/admin/people/").status_code == 200


@pytest.mark.parametrize("change", ["session_version", "active"])
def test_a_bumped_session_or_a_closed_account_signs_out_on_tenant_pages(client, login_as, world, change):
    login_as(world.a.member)
    assert client.get("/kring-a/members/").status_code == 200
    user = db.session.scalar(select(User).where(User.email == world.a.member.email))
    if change == "session_version":
        user.session_version += 1
    else:
        user.active = False
    db.session.commit()
    response = client.get("/kring-a/members/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert client.get("/kring-b/members/").status_code == 302


def test_the_membership_is_loaded_with_the_user_only_in_the_tenants_own_scope(app, world):
    a, b = world.a.tenant, world.b.tenant
    user_id = world.a.admin.id
    with app.test_request_context("/kring-a/"):
        g.tenant = a
        with tenant_scope(a):
            user, membership, loaded = _user_and_membership(user_id)
            assert loaded and user.id == user_id
            assert membership.tenant_id == a.id and membership.role == Role.ADMIN
        # Another tenant's scope or an unscoped block inside A's request: the
        # membership is left to current_membership, which asks in A's scope.
        for scope in (tenant_scope(b), unscoped("test: a crossing inside a request")):
            with scope:
                user, membership, loaded = _user_and_membership(user_id)
            assert user.id == user_id and membership is None and not loaded


def test_a_remembered_membership_of_another_tenant_is_refused(app, world):
    with tenant_scope(world.b.tenant):
        b_membership = db.session.scalar(select(Membership).where(Membership.user_id == world.b.admin.id))
    with app.test_request_context("/kring-a/"):
        g.tenant = world.a.tenant
        remember_membership(world.b.admin, b_membership)
        assert g.get("_kringwerk_memberships", {}) == {}


def test_a_remembered_membership_belongs_to_its_user(app, world):
    """The cache is per user: a sign-in within the request does not inherit a membership."""
    from flask_login import login_user

    with app.test_request_context("/kring-a/"), tenant_scope(world.a.tenant):
        g.tenant = world.a.tenant
        login_user(world.a.admin)
        admin = current_membership()
        assert admin.role == Role.ADMIN
        login_user(world.a.member)
        assert current_membership().role == Role.MEMBER
        login_user(world.b.member)
        assert current_membership() is None


def test_the_statement_is_built_once_across_requests_in_two_tenants(app, client, login_as, world):
    """Issue 15: the SELECT is built once per process and bound per request; each tenant
    still gets its own membership, and a bumped session version still signs out."""
    from kringwerk.accounts import _user_with_membership_statement

    with tenant_scope(world.b.tenant):
        add_membership(world.b.tenant, world.a.admin, Role.MEMBER)
        db.session.flush()
    db.session.commit()
    _user_with_membership_statement.cache_clear()
    login_as(world.a.admin)
    # Each request reads the user anew (as the first request after any write does), so
    # each runs the statement.
    app.config["KEEP_PAGE_DATA"] = False
    assert client.get("/kring-a/admin/people/").status_code == 200
    assert client.get("/kring-b/admin/people/").status_code == 403  # A's admin role stays in A
    assert client.get("/kring-b/members/").status_code == 200
    assert client.get("/kring-a/admin/people/").status_code == 200
    built = _user_with_membership_statement.cache_info()
    assert built.misses == 1 and built.hits >= 3, built
    user = db.session.scalar(select(User).where(User.email == world.a.admin.email))
    user.session_version += 1
    db.session.commit()
    for path in ("/kring-a/admin/people/", "/kring-b/members/"):
        response = client.get(path)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert _user_with_membership_statement.cache_info().misses == 1


def test_the_reused_statement_never_finds_a_membership_of_another_tenant(app, world):
    """Even bound to another tenant's id, the statement runs behind the tenant wall of
    the tenant in scope: B's membership never comes back in A's scope."""
    from kringwerk.accounts import _user_with_membership_statement

    with tenant_scope(world.b.tenant):
        add_membership(world.b.tenant, world.a.admin, Role.FACILITATOR)
        db.session.flush()
    db.session.commit()
    statement = _user_with_membership_statement()
    user_id = world.a.admin.id
    with app.test_request_context("/kring-a/"), tenant_scope(world.a.tenant):
        own = db.session.execute(statement, {"user_id": user_id, "tenant_id": world.a.tenant.id}).one()
        other = db.session.execute(statement, {"user_id": user_id, "tenant_id": world.b.tenant.id}).one()
    assert own[1].tenant_id == world.a.tenant.id and own[1].role == Role.ADMIN
    assert other[0].id == user_id and other[1] is None
    with app.test_request_context("/kring-b/"), tenant_scope(world.b.tenant):
        row = db.session.execute(statement, {"user_id": user_id, "tenant_id": world.b.tenant.id}).one()
    assert row[1].tenant_id == world.b.tenant.id and row[1].role == Role.FACILITATOR
