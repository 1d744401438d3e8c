"""Every route that takes an object id keeps other tenants' objects out of reach.

The walk needs no editing when routes or models are added: it reads
``app.url_map``, maps each ``<x_id>`` argument to the tenant-owned model named
``X`` (snake case), builds one row of every such model in tenant A, and asks
for tenant A's ids under tenant B's URL prefix, as B's admin and as an
operator, with every method the route accepts. The answer must be 404.
"""

from __future__ import annotations

import pytest

from kringwerk.extensions import db
from kringwerk.pluginhost.access import is_public
from kringwerk.pluginhost.services import enable_plugin
from tests.conftest import login
from tests.isolation.factory import build_tenant_rows, model_for_argument

pytestmark = pytest.mark.both_databases

SKIPPED_METHODS = {"HEAD", "OPTIONS"}


def id_arguments(rule) -> list[str]:
    return sorted(a for a in rule.arguments if a.endswith("_id"))


def tenant_rules_with_ids(app):
    return [r for r in app.url_map.iter_rules() if "tenant" in r.arguments and id_arguments(r)]


def operator_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/operator")]


@pytest.fixture
def populated(app, world):
    for side in (world.a, world.b):
        for plugin in app.extensions["kringwerk.plugins"]:
            enable_plugin(side.tenant, plugin.key)
    rows = build_tenant_rows(world.a.tenant)
    ids = {model: row.id for model, row in rows.items()}  # read before commit expires them
    db.session.commit()
    return world, ids


def test_every_id_argument_names_a_tenant_model(app):
    unknown = [
        f"{rule.rule} ({argument})"
        for rule in tenant_rules_with_ids(app)
        for argument in id_arguments(rule)
        if model_for_argument(argument) is None
    ]
    assert not unknown, (
        "these route arguments match no tenant-owned model; name them <model_in_snake_case>_id: "
        + ", ".join(unknown)
    )


def test_the_walk_covers_routes(app):
    # The dummy plugin alone contributes two; the walk is pointless if it finds nothing.
    assert len(tenant_rules_with_ids(app)) >= 2


@pytest.mark.parametrize("who", ["admin_of_b", "operator"])
def test_objects_of_tenant_a_answer_404_under_tenant_b(app, client, populated, who):
    world, rows = populated
    login(client, world.b.admin if who == "admin_of_b" else world.operator)
    leaks = []
    for rule in tenant_rules_with_ids(app):
        values = {"tenant": world.b.tenant.slug}
        for argument in id_arguments(rule):
            values[argument] = rows[model_for_argument(argument)]
        for name in rule.arguments - set(values):
            values[name] = "x"
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - SKIPPED_METHODS):
            response = client.open(url, method=method)
            if response.status_code != 404:
                leaks.append(f"{method} {url} ({rule.endpoint}) -> {response.status_code}")
    assert not leaks, "tenant A's objects reachable from tenant B:\n" + "\n".join(leaks)


def test_objects_of_tenant_a_answer_404_to_members_of_b_under_tenant_a(app, client, populated):
    """A member of B (no role in A) asking for A's objects at A's own URLs."""
    world, rows = populated
    login(client, world.b.admin)
    leaks = []
    for rule in tenant_rules_with_ids(app):
        values = {"tenant": world.a.tenant.slug}
        for argument in id_arguments(rule):
            values[argument] = rows[model_for_argument(argument)]
        for name in rule.arguments - set(values):
            values[name] = "x"
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - SKIPPED_METHODS):
            response = client.open(url, method=method)
            if response.status_code not in (404, 405):
                leaks.append(f"{method} {url} ({rule.endpoint}) -> {response.status_code}")
    assert not leaks, "tenant A's objects reachable by a non-member:\n" + "\n".join(leaks)


def test_operator_console_is_invisible_to_everyone_else(app, client, populated):
    world, rows = populated
    login(client, world.a.admin)
    visible = []
    for rule in operator_rules(app):
        values = {a: 1 for a in rule.arguments}
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - SKIPPED_METHODS):
            response = client.open(url, method=method)
            if response.status_code != 404:
                visible.append(f"{method} {url} -> {response.status_code}")
    assert not visible, "operator routes visible to a tenant admin:\n" + "\n".join(visible)


# --- every registered route is walked -----------------------------------------------------------

# Routes outside any tenant: nothing of a tenant is addressed by their URL, so the walks above
# have no other tenant to try them under. Each is named with the reason; a new tenantless route
# fails test_every_route_is_walked until it is listed here (or moved under /<tenant>/).
TENANTLESS = {
    "web.landing": "the visitor's own organisations",
    "web.healthz": "no data",
    "web.switch_language": "a cookie of the visitor",
    "static": "the core's static files",
    "accounts.overview": "the person's own account",
    "accounts.login": "accounts belong to no tenant",
    "accounts.logout": "the person's own session",
    "accounts.magic_link_request": "accounts belong to no tenant",
    "accounts.magic_link": "an account token, no tenant",
    "accounts.reset_request": "accounts belong to no tenant",
    "accounts.reset_password": "an account token, no tenant",
    "accounts.change_password": "the person's own account",
    "accounts.update_profile": "the person's own account",
    "accounts.invitation": "the invitation's tenant comes from its token (tests/accounts/test_invitations.py)",
    "stripe_webhook.webhook": "signed by Stripe; the tenant comes from the event (tests/billing/test_webhook.py)",
}

# Pages of a tenant that anyone may open (not only @public plugin views): a non-member of the
# tenant may get an answer other than 404 from these.
CORE_PUBLIC = {
    "web.tenant_home",  # the public face: name, public links, sign-in
    "web.tenant_stylesheet",  # the tenant's colour
    "panel.leave",  # a panel member's personal link (its token is tenant A's or nothing)
    "networks.chair_link",  # a chair's personal link
    "networks.sign_by_link",  # a signatory's personal link
    "networks.sign_by_link_pdf",
}


def walk_of(rule) -> str | None:
    """Which walk of this module requests ``rule``; None for a route no walk reaches."""
    if rule.rule.startswith("/operator"):
        return "operator"
    if "tenant" in rule.arguments:
        return "ids" if id_arguments(rule) else "pages"
    if rule.endpoint in TENANTLESS or rule.endpoint.endswith(".static"):
        return "tenantless"
    return None


def test_every_route_is_walked(app):
    """Every rule of app.url_map falls to one of the walks: new routes cannot slip past."""
    plugins = {plugin.key for plugin in app.extensions["kringwerk.plugins"]}
    assert {"polls", "events", "mkb-toets", "masterplan"} <= plugins
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for expected in ("networks.letters", "operator.home"):
        assert expected in endpoints, f"{expected} is not registered: is the walk looking at the real app?"
    unwalked = [
        f"{rule.rule} ({rule.endpoint})" for rule in app.url_map.iter_rules() if walk_of(rule) is None
    ]
    assert not unwalked, (
        "routes no isolation walk requests; put them under /<tenant>/ or name them in TENANTLESS "
        "with the reason: " + ", ".join(sorted(unwalked))
    )
    stale = sorted(set(TENANTLESS) - endpoints)
    assert not stale, f"TENANTLESS names routes that no longer exist: {stale}"
    for key in ("polls", "events", "mkb_toets", "masterplan", "networks", "billing", "operator"):
        walked = {walk_of(rule) for rule in app.url_map.iter_rules() if rule.endpoint.startswith(f"{key}.")}
        assert walked & {"ids", "pages", "operator"}, f"no route of {key} is walked"


def test_the_coverage_check_catches_a_route_outside_every_walk(app):
    app.add_url_rule("/unlisted/<int:company_id>", "unlisted_route", lambda company_id: "")
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "unlisted_route")
    assert walk_of(rule) is None
    with pytest.raises(AssertionError, match="unlisted_route"):
        test_every_route_is_walked(app)


def _is_public(app, endpoint: str) -> bool:
    return endpoint in CORE_PUBLIC or is_public(app.view_functions.get(endpoint))


def test_tenant_pages_of_a_answer_404_to_a_member_of_b(app, client, populated):
    """Every tenant route without an id (lists, forms, settings, plugin homes), at tenant A's
    address, as B's admin (a member of B only): 404 (or 405), unless anyone may open it."""
    world, rows = populated
    login(client, world.b.admin)
    leaks, walked, walked_urls = [], 0, []
    for rule in app.url_map.iter_rules():
        if walk_of(rule) != "pages":
            continue
        values = {name: "x" for name in rule.arguments}
        values["tenant"] = world.a.tenant.slug
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **values)
        walked_urls.append(url)
        public = _is_public(app, rule.endpoint)
        for method in sorted(rule.methods - SKIPPED_METHODS):
            walked += 1
            response = client.open(url, method=method)
            if response.status_code >= 500 or not public and response.status_code not in (404, 405):
                leaks.append(f"{method} {url} ({rule.endpoint}) -> {response.status_code}")
    assert walked > 50
    # The test plugin's view that forgot its require_member is walked too: the host asks for
    # a membership of the URL's tenant before any plugin view runs, so it answers 404 as well.
    assert any("/dummy/unguarded" in url for url in walked_urls)
    assert not leaks, "tenant A's pages open to a member of B:\n" + "\n".join(leaks)


def test_tenantless_routes_never_fail_for_a_signed_in_member(app, client, populated):
    world, rows = populated
    login(client, world.b.admin)
    failures = []
    for rule in app.url_map.iter_rules():
        if walk_of(rule) != "tenantless" or rule.endpoint == "accounts.logout":
            continue
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **{name: "x" for name in rule.arguments})
        for method in sorted(rule.methods - SKIPPED_METHODS):
            response = client.open(url, method=method)
            if response.status_code >= 500:
                failures.append(f"{method} {url} -> {response.status_code}")
    assert not failures, "\n".join(failures)
