"""A plugin's jobs and tasks belong to the plugin without saying so: a function
in a plugin's package is gated by that plugin, and its task pages are gone
while the plugin is disabled."""

from __future__ import annotations

import logging

import pytest

from kringwerk.extensions import db
from kringwerk.jobs import SKIPPED, enqueue, pending_jobs, start_task
from kringwerk.jobs.runner import run_isolated
from kringwerk.jobs.services import plugin_of_kind
from kringwerk.pluginhost import get_registry
from kringwerk.pluginhost.services import disable_plugin, enable_plugin
from kringwerk.tenancy.context import tenant_scope
from tests.conftest import login
from tests.jobs import sample_jobs
from tests.support.dummy_plugin import hooks as dummy_hooks
from tests.support.dummy_plugin import jobs as dummy_jobs


@pytest.fixture(autouse=True)
def clear_dummy_jobs():
    dummy_jobs.ran.clear()
    yield
    dummy_jobs.ran.clear()


def test_packages_map_to_plugin_keys(app):
    registry = get_registry(app)
    assert registry.plugin_for_module("plugins.mkb_toets.jobs") == "mkb-toets"
    assert registry.plugin_for_module("plugins.polls") == "polls"
    assert registry.plugin_for_module("tests.support.dummy_plugin.hooks") == "dummy"
    assert registry.plugin_for_module("plugins.pollsters") is None
    assert registry.plugin_for_module("kringwerk.jobs.services") is None
    assert plugin_of_kind("polls.export") == "polls" and plugin_of_kind("test.count") is None


def test_a_plugin_job_enqueued_without_plugin_is_gated(world, caplog):
    a, b = world.a.tenant, world.b.tenant
    with caplog.at_level(logging.INFO, logger="kringwerk.jobs"):
        enqueue(dummy_hooks.count_notes, a.id, tenant=a)
        assert [job.plugin for job in pending_jobs()] == ["dummy"]
        db.session.commit()
    assert dummy_hooks.calls == []
    assert "plugin dummy is not enabled" in caplog.text

    enable_plugin(a, "dummy")
    db.session.commit()
    enqueue(dummy_hooks.count_notes, a.id, tenant=a)
    enqueue(dummy_hooks.count_notes, b.id, tenant=b)  # still off in B
    db.session.commit()
    assert dummy_hooks.calls == [("periodic", a.id)]


def test_a_plugin_job_needs_a_tenant(app):
    with pytest.raises(ValueError, match="needs a tenant"):
        enqueue(dummy_hooks.count_notes, 1)
    assert pending_jobs() == []


def test_the_runner_gates_a_queued_job_that_names_no_plugin(world, app):
    """A job on the queue from before (or queued by hand) is gated by its function too."""
    enable_plugin(world.b.tenant, "dummy")
    db.session.commit()
    path = "tests.support.dummy_plugin.hooks:count_notes"
    a, b = world.a.tenant.id, world.b.tenant.id
    assert run_isolated(app, path, [a], {}, tenant_id=a, plugin=None) == SKIPPED
    assert run_isolated(app, path, [a], {}, tenant_id=None, plugin=None) == SKIPPED
    assert run_isolated(app, path, [b], {}, tenant_id=b, plugin=None) == 0
    assert dummy_hooks.calls == [("periodic", b)]


def test_a_plugin_task_kind_starts_with_its_key(world):
    with tenant_scope(world.a.tenant):
        with pytest.raises(ValueError, match="kind starting 'dummy.'"):
            start_task("export", dummy_jobs.record_task, actor=world.a.admin)
        with pytest.raises(ValueError, match="kind starting 'dummy.'"):
            start_task("test.work", sample_jobs.note, actor=world.a.admin, plugin="dummy")
    db.session.rollback()
    assert dummy_jobs.ran == [] and sample_jobs.seen == []


def test_a_plugin_task_page_answers_404_while_the_plugin_is_disabled(app, world, login_as):
    a, b = world.a.tenant, world.b.tenant
    for tenant in (a, b):
        enable_plugin(tenant, "dummy")
    db.session.commit()
    with tenant_scope(a):
        task_id = start_task("dummy.work", dummy_jobs.record_task, actor=world.a.admin).id
        db.session.commit()
    assert dummy_jobs.ran == [(a.id, task_id)]
    client = login_as(world.a.admin)
    page = f"/kring-a/tasks/{task_id}"
    assert client.get(page).status_code == 200
    assert "Dummy work done." in client.get(page).get_data(as_text=True)

    disable_plugin(a, "dummy")
    db.session.commit()
    assert client.get(page).status_code == 404
    assert client.get(page, headers={"HX-Request": "true"}).status_code == 404

    enable_plugin(a, "dummy")
    db.session.commit()
    assert client.get(page).status_code == 200
    # Tenant B has the plugin on, and still never sees A's task.
    other = app.test_client()
    login(other, world.b.admin)
    assert other.get(f"/kring-b/tasks/{task_id}").status_code == 404
