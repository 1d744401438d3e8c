"""The tenant home's own statement (recent activity from the audit trail) is built once
per process and bound per request (issue 15), as strict as before: each tenant's home
shows only that tenant's entries, a member only their own, with the same statements.
These tests take the path of the first request after a write (nothing kept): the home's
kept content has its own tests in test_home_kept.py."""

from __future__ import annotations

import re

import pytest

from kringwerk.audit.services import record
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from kringwerk.web.home import _recent_statement
from tests.web.conftest import count_queries

pytestmark = pytest.mark.both_databases

LABELS = ("a-admin-entry", "a-member-entry", "b-admin-entry", "b-member-entry")


@pytest.fixture
def trail(world):
    for side, name in ((world.a, "a"), (world.b, "b")):
        with tenant_scope(side.tenant):
            record("member.invited", actor=side.admin, target_label=f"{name}-admin-entry")
            record("profile.updated", actor=side.member, target_label=f"{name}-member-entry")
            db.session.commit()
    return world


def shown(client, path: str) -> set[str]:
    response = client.get(path)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    return {label for label in LABELS if label in text}


def test_recent_activity_is_built_once_across_requests_in_two_tenants(app, client, login_as, trail):
    app.config["KEEP_PAGE_DATA"] = False  # every request builds the home, as after a write
    _recent_statement.cache_clear()
    login_as(trail.a.member)
    assert shown(client, "/kring-a/") == {"a-member-entry"}
    client.post("/account/logout")
    login_as(trail.b.member)
    assert shown(client, "/kring-b/") == {"b-member-entry"}
    assert shown(client, "/kring-b/") == {"b-member-entry"}
    own = _recent_statement.cache_info()
    assert own.misses == 1 and own.hits == 2, own  # one member's statement, bound per request
    client.post("/account/logout")
    login_as(trail.b.admin)  # an admin reads their tenant's whole trail, never the other's
    assert shown(client, "/kring-b/") == {"b-admin-entry", "b-member-entry"}
    client.post("/account/logout")
    login_as(trail.a.admin)
    assert shown(client, "/kring-a/") == {"a-admin-entry", "a-member-entry"}
    both = _recent_statement.cache_info()
    assert both.misses == 2 and both.hits == 3, both


def test_the_home_runs_the_same_statements_with_the_statement_built_or_reused(app, client, login_as, trail):
    def home_statements(path):
        with count_queries(app) as statements:
            assert client.get(path).status_code == 200
        return statements

    app.config["KEEP_PAGE_DATA"] = False  # every request builds the home, as after a write
    login_as(trail.a.member)
    client.get("/kring-a/")  # warm up
    _recent_statement.cache_clear()
    cold = home_statements("/kring-a/")
    warm = home_statements("/kring-a/")
    assert len(cold) == len(warm)
    audit = [s for s in warm if re.search(r"\bFROM audit_entries\b", s)]
    assert len(audit) == 1 and "actor_id" in audit[0]
    client.post("/account/logout")
    login_as(trail.b.member)
    client.get("/kring-b/")
    assert len(home_statements("/kring-b/")) == len(warm)
