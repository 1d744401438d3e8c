"""A request's tenant scope (entered when its URL names a tenant, left when it ends) ends
however the request ends, and never carries over to the next request in the same context."""

from __future__ import annotations

from flask import abort, g
from flask.testing import FlaskClient

from kringwerk.tenancy import current_tenant_id
from kringwerk.tenancy.context import tenant_scope


def test_the_scope_ends_after_any_outcome_and_each_request_has_its_own(app, world):
    seen = []

    @app.get("/<tenant>/scope-probe/<outcome>")
    def scope_probe(outcome):
        seen.append((g.tenant.slug, current_tenant_id()))
        if outcome == "nested":
            # A view may step into another scope; the request's own comes back after it.
            with tenant_scope(world.b.tenant if g.tenant.id == world.a.tenant.id else world.a.tenant):
                pass
            seen.append((g.tenant.slug, current_tenant_id()))
        if outcome == "missing":
            abort(404)
        if outcome == "broken":
            raise RuntimeError("the view failed")
        return "ok"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    # A plain client shares this test's context, so a scope left open would show here.
    client = FlaskClient(app, app.response_class)
    for side in (world.a, world.b):
        slug = side.tenant.slug
        for outcome, status in (("ok", 200), ("nested", 200), ("missing", 404), ("broken", 500)):
            assert client.get(f"/{slug}/scope-probe/{outcome}").status_code == status
            assert current_tenant_id() is None, (slug, outcome)
            assert "tenant" not in g and "_tenant_scope" not in g
    assert all(tenant_id == (world.a if slug == "kring-a" else world.b).tenant.id for slug, tenant_id in seen)
    assert {slug for slug, _ in seen} == {"kring-a", "kring-b"}
    # An unknown tenant enters no scope at all.
    assert client.get("/no-such-kring/scope-probe/ok").status_code == 404
    assert current_tenant_id() is None


def test_a_request_inside_a_scope_gives_the_outer_scope_back(app, world):
    client = FlaskClient(app, app.response_class)
    with tenant_scope(world.b.tenant):
        assert client.get("/kring-a/").status_code == 200
        assert current_tenant_id() == world.b.tenant.id
    assert current_tenant_id() is None
