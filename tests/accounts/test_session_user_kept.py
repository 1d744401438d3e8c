"""The session's user and their membership kept per process until the next write (issue
15): a warm signed-in request reads only the cache stamps (with the driver alone: no
statement through SQLAlchemy), and every change that ends or narrows a session, made by
this worker or another one on the same database, applies at the very next request; one
tenant's membership never serves another tenant."""

from __future__ import annotations

import pytest
from flask import g
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import event, inspect, select

from kringwerk.accounts import people
from kringwerk.accounts.models import Membership, Role, User
from kringwerk.accounts.permissions import current_membership
from kringwerk.extensions import db
from kringwerk.tenancy import cache, tenant_scope
from tests.support.workers import in_another_worker

pytestmark = pytest.mark.both_databases


@pytest.fixture
def probe(app):
    """Who the request sees: its user, their role in the URL's tenant, the page's language."""

    def seen():
        if not current_user.is_authenticated:
            return {"user": None}
        membership = current_membership()
        return {
            "user": current_user.name,
            "role": None if membership is None else str(membership.role),
            "membership_tenant": None if membership is None else membership.tenant_id,
            "locale": str(get_locale()),
        }

    app.add_url_rule(
        "/<tenant>/session-probe", "tenant_session_probe", lambda: {"tenant": g.tenant.slug, **seen()}
    )
    app.add_url_rule("/session-probe", "session_probe", seen)
    return seen


def statements(client, path: str) -> tuple[dict, list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return response.json, seen


def builds(app) -> int:
    return app.extensions[cache.EXTENSION_KEY].builds


def stamps_read(app) -> int:
    return app.extensions[cache.EXTENSION_KEY].stamps_read


@pytest.mark.parametrize("path", ["/kring-a/session-probe", "/session-probe"])
def test_a_warm_signed_in_request_reads_only_the_stamps(app, client, login_as, world, probe, path):
    login_as(world.a.admin)
    first, cold = statements(client, path)
    assert first["user"] == world.a.admin.name
    assert any("FROM users" in s for s in cold)  # after the sign-in (a write): read again
    built = builds(app)
    for _ in range(3):
        reads = stamps_read(app)
        again, warm = statements(client, path)
        assert again == first
        assert warm == []  # the stamps are read with the driver alone (tenancy/cache.py)
        assert stamps_read(app) == reads + 1
    assert builds(app) == built
    if path.startswith("/kring-a"):
        assert first["role"] == "admin" and first["membership_tenant"] == world.a.tenant.id


def test_each_tenant_keeps_its_own_membership(app, client, login_as, world, probe):
    with tenant_scope(world.b.tenant):
        people.add_membership(world.b.tenant, world.a.admin, Role.MEMBER)
        db.session.flush()
    db.session.commit()
    login_as(world.a.admin)
    for _ in range(3):  # warm in both tenants, alternately
        a = client.get("/kring-a/session-probe").json
        b = client.get("/kring-b/session-probe").json
        assert (a["role"], a["membership_tenant"]) == ("admin", world.a.tenant.id)
        assert (b["role"], b["membership_tenant"]) == ("member", world.b.tenant.id)
    # A member of A only is nobody in B, however warm A's copy is.
    login_as(world.a.member)
    for _ in range(2):
        assert client.get("/kring-a/session-probe").json["role"] == "member"
        assert client.get("/kring-b/session-probe").json["role"] is None
    assert client.get("/kring-b/members/").status_code == 404


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _membership(tenant, email: str) -> Membership:
    with tenant_scope(tenant):
        return db.session.scalar(select(Membership).where(Membership.user_id == _user(email).id))


CHANGES = {
    "password changed (session version)": lambda w: setattr(
        _user(w.a.member.email), "session_version", _user(w.a.member.email).session_version + 1
    ),
    "account closed": lambda w: setattr(_user(w.a.member.email), "active", False),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_session_ended_in_another_worker_ends_at_the_next_request(
    app, app_config, client, login_as, world, probe, change
):
    login_as(world.a.member)
    for _ in range(2):
        assert client.get("/kring-a/session-probe").json["user"] == world.a.member.name
        assert client.get("/session-probe").json["user"] == world.a.member.name
    in_another_worker(app_config, lambda: CHANGES[change](world))
    assert client.get("/kring-a/session-probe").json == {"tenant": "kring-a", "user": None}
    assert client.get("/session-probe").json == {"user": None}
    assert client.get("/kring-a/members/").status_code == 302  # to the sign-in page
    assert client.get("/kring-b/session-probe").json["user"] is None


def test_a_deleted_account_is_signed_out_at_the_next_request(app, app_config, client, login_as, world, probe):
    login_as(world.outsider)
    for _ in range(2):
        assert client.get("/session-probe").json["user"] == world.outsider.name
        assert client.get("/kring-a/session-probe").json["role"] is None
    email = world.outsider.email
    in_another_worker(app_config, lambda: db.session.delete(_user(email)))
    assert client.get("/session-probe").json == {"user": None}
    assert client.get("/kring-a/session-probe").json["user"] is None


@pytest.mark.parametrize("change", ["role changed", "membership removed", "member erased"])
def test_a_membership_changed_in_another_worker_applies_at_the_next_request(
    app, app_config, client, login_as, world, probe, change
):
    tenant_id, email, admin_email = world.a.tenant.id, world.a.facilitator.email, world.a.admin.email
    login_as(world.a.facilitator)
    for _ in range(2):
        assert client.get("/kring-a/session-probe").json["role"] == "facilitator"
    assert client.get("/kring-a/admin/").status_code == 200

    def apply():
        from kringwerk.tenancy.models import Tenant

        tenant = db.session.get(Tenant, tenant_id)
        membership = _membership(tenant, email)
        admin = _user(admin_email)
        with tenant_scope(tenant):
            if change == "role changed":
                people.change_role(tenant, membership, Role.MEMBER, actor=admin)
            elif change == "membership removed":
                people.remove_membership(tenant, membership, actor=admin)
            else:
                people.erase_member(tenant, membership, actor=admin)

    in_another_worker(app_config, apply)
    seen = client.get("/kring-a/session-probe").json
    if change == "role changed":
        assert seen["role"] == "member"
        assert client.get("/kring-a/admin/").status_code == 403
    else:
        assert seen["user"] == world.a.facilitator.name and seen["role"] is None
        assert client.get("/kring-a/members/").status_code == 404
    # Tenant B never had them, before or after.
    assert client.get("/kring-b/session-probe").json["role"] is None


def test_a_change_a_view_makes_to_the_kept_user_is_saved(app, client, login_as, world, probe):
    login_as(world.a.member)
    for _ in range(2):
        assert client.get("/kring-a/session-probe").json["locale"] == "en"
    # The language switch sets the signed-in user's preference on the request's own copy.
    response = client.post("/language", data={"language": "nl", "next": "/kring-a/"})
    assert response.status_code == 302
    db.session.rollback()
    assert _user(world.a.member.email).preferred_locale == "nl"
    assert client.get("/kring-a/session-probe").json["locale"] == "nl"
    assert client.get("/session-probe").json["locale"] == "nl"
    # Nobody else's preference moved.
    assert _user(world.b.member.email).preferred_locale != "nl"


def test_the_kept_copies_belong_to_no_session(app, client, login_as, world, probe):
    login_as(world.a.admin)
    client.get("/kring-a/session-probe")
    client.get("/kring-a/session-probe")
    kept = [
        value  # each entry is (version, value)
        for key, (_version, value) in app.extensions[cache.EXTENSION_KEY].data_generation.entries.items()
        if key[1][0] == "session user"
    ]
    assert kept, "the session's user was kept"
    for user, membership, _loaded in kept:
        assert inspect(user).session is None and inspect(user).detached
        if membership is not None:
            assert inspect(membership).session is None
            assert membership.tenant_id == world.a.tenant.id


@pytest.mark.postgresql_only
def test_a_warm_request_on_postgresql_begins_no_transaction(app, client, login_as, world, probe, monkeypatch):
    from kringwerk.tenancy import rls

    login_as(world.a.admin)
    client.get("/kring-a/session-probe")
    begun = []
    real = rls._begin_with_scope
    monkeypatch.setattr(rls, "_begin_with_scope", lambda *args: begun.append(args) or real(*args))
    reads = stamps_read(app)
    seen, warm = statements(client, "/kring-a/session-probe")
    assert seen["role"] == "admin"
    assert warm == [] and stamps_read(app) == reads + 1
    assert begun == []  # the stamp read runs outside a transaction, and nothing else runs
