"""Plugin views need a signed-in member of the URL's tenant unless marked ``@public``
(or opened to the network scope): the host asks for sign-in and checks the membership
before the view runs, as the core's own pages do, so a view that forgot its
``require_member`` stays closed to another tenant's people."""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event
from werkzeug.routing import IntegerConverter

from kringwerk.extensions import db
from kringwerk.pluginhost import get_registry
from kringwerk.pluginhost.access import is_public
from kringwerk.pluginhost.services import enable_plugin

pytestmark = pytest.mark.both_databases


@pytest.fixture
def dummy_in_a(world):
    enable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    return world


def sign_in_target(response) -> str | None:
    """Where a redirect to the sign-in page returns to (None if it goes elsewhere)."""
    location = urlsplit(response.headers.get("Location") or response.headers.get("HX-Redirect") or "")
    if location.path != "/account/login":
        return None
    return parse_qs(location.query).get("next", [""])[0]


def test_a_visitor_is_sent_to_sign_in_even_where_the_view_forgot_to_ask(client, dummy_in_a):
    response = client.get("/kring-a/dummy/unguarded?tab=2")
    assert response.status_code == 302
    assert sign_in_target(response) == "/kring-a/dummy/unguarded?tab=2"
    assert client.post("/kring-a/dummy/unguarded").status_code == 401


def test_an_htmx_fragment_request_gets_a_full_page_redirect(client, dummy_in_a):
    response = client.get(
        "/kring-a/dummy/unguarded",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/kring-a/dummy/"},
    )
    assert response.status_code == 204
    assert sign_in_target(response) == "/kring-a/dummy/"


def test_a_public_view_and_static_files_answer_visitors(client, dummy_in_a):
    assert client.get("/kring-a/dummy/public").get_data(as_text=True) == "dummy public page"
    enable_plugin(dummy_in_a.a.tenant, "polls")
    db.session.commit()
    assert client.get("/kring-a/polls/static/polls.css").status_code == 200


def test_signed_in_people_pass_and_the_plugin_gate_comes_first(client, dummy_in_a, login_as):
    # Tenant B has the plugin off: 404 for visitors too, public page or not.
    assert client.get("/kring-b/dummy/unguarded").status_code == 404
    assert client.get("/kring-b/dummy/public").status_code == 404
    login_as(dummy_in_a.a.member)
    assert client.get("/kring-a/dummy/unguarded").get_data(as_text=True) == "dummy unguarded page"
    assert client.get("/kring-b/dummy/unguarded").status_code == 404


def test_a_view_that_forgot_require_member_answers_404_to_another_tenants_member(
    client, dummy_in_a, login_as
):
    enable_plugin(dummy_in_a.b.tenant, "dummy")  # B's people have the plugin too
    db.session.commit()
    for outsider in (dummy_in_a.b.member, dummy_in_a.b.admin, dummy_in_a.outsider):
        login_as(outsider)
        assert client.get("/kring-a/dummy/unguarded").status_code == 404, outsider.email
        assert client.post("/kring-a/dummy/unguarded").status_code == 404, outsider.email
        assert client.get("/kring-a/dummy/public").status_code == 200  # @public stays open
        client.post("/account/logout")
    # B's member still reaches B's page; A's people and an operator (as require_member lets
    # them in) reach A's.
    login_as(dummy_in_a.b.member)
    assert client.get("/kring-b/dummy/unguarded").status_code == 200
    client.post("/account/logout")
    for insider in (dummy_in_a.a.member, dummy_in_a.a.admin, dummy_in_a.operator):
        login_as(insider)
        assert client.get("/kring-a/dummy/unguarded").status_code == 200, insider.email
        assert client.post("/kring-a/dummy/unguarded").status_code == 200, insider.email
        client.post("/account/logout")


@contextmanager
def count_statements():
    statements: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)


def test_the_membership_check_costs_no_statement_beyond_the_views_own(client, dummy_in_a, login_as):
    """The host loads the membership the view's ``require_member`` reads again (cached per
    request): a guarded view costs what it cost before, and a view without a guard the same."""
    login_as(dummy_in_a.a.member)
    client.get("/kring-a/dummy/")  # warm up: the first request loads what every one does once
    with count_statements() as guarded:
        assert client.get("/kring-a/dummy/").status_code == 200
    with count_statements() as unguarded:
        assert client.get("/kring-a/dummy/unguarded").status_code == 200
    assert len(guarded) == len(unguarded)


def test_every_plugin_route_not_marked_public_sends_visitors_to_sign_in(app, client, world):
    """A walk over every plugin's routes: a visitor gets the sign-in page or a public view."""
    registry = get_registry(app)
    for side in (world.a, world.b):
        for plugin in registry:
            enable_plugin(side.tenant, plugin.key)
    db.session.commit()
    public, walked = set(), 0
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        if registry.plugin_for_blueprint(blueprint) is None or rule.endpoint.endswith(".static"):
            continue
        if is_public(app.view_functions[rule.endpoint]):
            public.add(rule.endpoint)
            continue
        converters = rule._converters  # werkzeug keeps no public map of them
        values = {
            name: 1 if isinstance(converters.get(name), IntegerConverter) else "x" for name in rule.arguments
        }
        values["tenant"] = world.a.tenant.slug
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            expected = 302 if method == "GET" else 401
            assert response.status_code == expected, f"{method} {url}: {response.status_code}"
            walked += 1
    assert walked > 10
    assert {"polls.answer", "polls.answer_save", "polls.results_public", "dummy.public_page"} <= public
