"""The /<tenant>/ prefix: unknown tenants are 404, known ones scope the request,
and url_for keeps the tenant of the page."""

from __future__ import annotations

from flask import g, url_for
from flask.testing import FlaskClient

from kringwerk.tenancy import current_tenant_id


def test_unknown_tenant_is_404(client, world, login_as):
    login_as(world.a.admin)
    assert client.get("/no-such-kring/").status_code == 404
    assert client.get("/no-such-kring/members/").status_code == 404


def test_there_is_no_default_tenant(client, world, login_as):
    login_as(world.a.admin)
    page = client.get("/")
    assert page.status_code == 200
    # The landing page lists organisations; it is not any tenant's dashboard.
    assert "Kring A" in page.get_data(as_text=True)
    assert client.get("/members/").status_code == 404


def test_request_runs_in_the_tenant_scope_and_url_for_keeps_the_tenant(app, world):
    @app.get("/<tenant>/probe")
    def probe():
        return {
            "scope": current_tenant_id(),
            "tenant": g.tenant.slug,
            "link": url_for("members.directory"),
        }

    response = app.test_client().get("/kring-b/probe")
    assert response.json == {
        "scope": world.b.tenant.id,
        "tenant": "kring-b",
        "link": "/kring-b/members/",
    }


def test_scope_ends_with_the_request(app, world):
    # A plain client shares this test's context, so a scope left open would show here.
    plain_client = FlaskClient(app, app.response_class)
    assert plain_client.get("/kring-a/").status_code == 200
    assert current_tenant_id() is None
    assert "tenant" not in g


def test_non_member_gets_404_on_member_pages(client, world, login_as):
    login_as(world.b.member)
    assert client.get("/kring-a/members/").status_code == 404
    assert client.get("/kring-b/members/").status_code == 200


def test_anonymous_visitor_is_sent_to_sign_in(client, world):
    response = client.get("/kring-a/members/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=/kring-a/members/")


def test_ids_beyond_the_database_range_are_404_everywhere(app, client, world, login_as):
    login_as(world.operator)
    huge = 2**31
    for rule in app.url_map.iter_rules():
        int_arguments = [
            name
            for name, converter in rule._converters.items()
            if type(converter).__name__ == "DatabaseIdConverter"
        ]
        if not int_arguments or rule.arguments - set(int_arguments) - {"tenant"}:
            continue
        url = rule.rule.replace("<tenant>", "kring-a")
        for name in int_arguments:
            url = url.replace(f"<int:{name}>", str(huge))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert client.open(url, method=method).status_code == 404, f"{method} {url}"
