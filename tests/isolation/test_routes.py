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
