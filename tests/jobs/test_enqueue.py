"""Enqueueing after commit, and running jobs in-process when there is no Redis."""

from __future__ import annotations

import logging

import pytest
from flask import Blueprint
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.jobs import SKIPPED, enqueue, pending_jobs
from kringwerk.jobs.dispatch import dispatch
from kringwerk.members.models import Company
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy.context import tenant_scope, unscoped
from tests.jobs import sample_jobs
from tests.jobs.sample_jobs import seen
from tests.support.dummy_plugin import hooks as dummy_hooks


@pytest.fixture
def companies(world):
    with tenant_scope(world.a.tenant):
        db.session.add_all([Company(name="Alpha BV"), Company(name="Anker BV")])
        db.session.flush()
    with tenant_scope(world.b.tenant):
        db.session.add(Company(name="Bravo BV"))
        db.session.flush()
    db.session.commit()
    return world


def test_app_without_redis_runs_jobs_in_process(app):
    assert app.config["REDIS_URL"] is None
    assert app.config["JOBS_IN_PROCESS"] is True


def test_job_runs_only_after_commit_and_says_so(world, caplog):
    with caplog.at_level(logging.INFO, logger="kringwerk.jobs"):
        job_id = enqueue(sample_jobs.note, 1, "two", tenant=world.a.tenant, flag=True)
        assert seen == []
        assert [job.job_id for job in pending_jobs()] == [job_id]
        db.session.commit()
    assert seen == [("note", world.a.tenant.id, (1, "two"), {"flag": True})]
    assert pending_jobs() == []
    assert f"running job {job_id} in-process (no REDIS_URL)" in caplog.text


def test_commit_with_nothing_else_to_commit_still_sends(world):
    db.session.commit()  # nothing open
    enqueue(sample_jobs.note, tenant=world.a.tenant)
    db.session.commit()
    assert len(seen) == 1


def test_rollback_drops_the_job(world):
    enqueue(sample_jobs.note, "lost", tenant=world.a.tenant)
    db.session.rollback()
    db.session.commit()
    assert seen == []
    assert pending_jobs() == []


def test_rollback_with_data_drops_job_and_data(world):
    with tenant_scope(world.a.tenant):
        db.session.add(Company(name="Never BV"))
        enqueue(sample_jobs.company_names, "after")
        db.session.rollback()
        db.session.commit()
        assert db.session.scalars(select(Company.name)).all() == []
    assert seen == []


def test_closing_the_session_without_commit_drops_the_job(world, caplog):
    with caplog.at_level(logging.INFO, logger="kringwerk.jobs"):
        job_id = enqueue(sample_jobs.note, tenant=world.a.tenant)
        db.session.close()
    db.session.commit()
    assert seen == []
    assert job_id in caplog.text and "without a commit" in caplog.text


def test_rolled_back_savepoint_drops_only_its_jobs(world):
    enqueue(sample_jobs.note, "outer", tenant=world.a.tenant)
    savepoint = db.session.begin_nested()
    enqueue(sample_jobs.note, "inner", tenant=world.a.tenant)
    savepoint.rollback()
    kept = db.session.begin_nested()
    enqueue(sample_jobs.note, "kept", tenant=world.a.tenant)
    kept.commit()
    assert seen == []  # releasing a savepoint is not the commit
    db.session.commit()
    assert [entry[2] for entry in seen] == [("outer",), ("kept",)]


def test_job_runs_after_the_data_it_needs_is_committed(world):
    with tenant_scope(world.a.tenant):
        db.session.add(Company(name="Fresh BV"))
        enqueue(sample_jobs.company_names, "seen")
        db.session.commit()
    assert seen == [("seen", world.a.tenant.id, ["Fresh BV"])]


@pytest.mark.both_databases
def test_job_runs_in_its_tenants_scope(companies):
    enqueue(sample_jobs.company_names, "a", tenant=companies.a.tenant)
    enqueue(sample_jobs.company_names, "b", tenant=companies.b.tenant.id)
    db.session.commit()
    assert seen == [
        ("a", companies.a.tenant.id, ["Alpha BV", "Anker BV"]),
        ("b", companies.b.tenant.id, ["Bravo BV"]),
    ]


def test_tenant_defaults_to_the_tenant_in_scope(companies):
    with tenant_scope(companies.b.tenant):
        job_id = enqueue(sample_jobs.company_names, "scoped")
        db.session.commit()
    assert job_id.startswith(f"t{companies.b.tenant.id}-company_names-")
    assert seen == [("scoped", companies.b.tenant.id, ["Bravo BV"])]


def test_unscoped_block_does_not_leak_into_the_job(companies):
    with unscoped("test: commit while crossing tenants"):
        enqueue(sample_jobs.company_names, "a", tenant=companies.a.tenant)
        db.session.commit()
    assert seen == [("a", companies.a.tenant.id, ["Alpha BV", "Anker BV"])]


def test_platform_job_has_no_tenant_and_cannot_read_tenant_data(companies, caplog):
    with tenant_scope(companies.a.tenant):
        from kringwerk.tenancy.context import no_tenant_scope

        with no_tenant_scope():
            job_id = enqueue(sample_jobs.company_names, "platform")
        with caplog.at_level(logging.ERROR, logger="kringwerk.jobs"):
            db.session.commit()
    assert job_id.startswith("platform-company_names-")
    assert seen == []
    assert "TenantScopeError" in caplog.text


def test_job_writes_are_committed_in_the_tenant(companies):
    enqueue(sample_jobs.add_company, "Made By Job", tenant=companies.b.tenant)
    db.session.commit()
    with tenant_scope(companies.b.tenant):
        assert "Made By Job" in db.session.scalars(select(Company.name)).all()
    with tenant_scope(companies.a.tenant):
        assert "Made By Job" not in db.session.scalars(select(Company.name)).all()


def test_failing_job_is_logged_rolled_back_and_does_not_break_the_commit(companies, caplog):
    with caplog.at_level(logging.ERROR, logger="kringwerk.jobs"):
        job_id = enqueue(sample_jobs.add_company_then_fail, "Half BV", tenant=companies.a.tenant)
        db.session.commit()  # does not raise
    assert f"job {job_id} failed in-process" in caplog.text
    assert "the job broke halfway" in caplog.text
    with tenant_scope(companies.a.tenant):
        assert "Half BV" not in db.session.scalars(select(Company.name)).all()


def test_failing_job_does_not_break_the_request_that_enqueued_it(app, world, login_as, caplog):
    bp = Blueprint("enqueue_test", __name__)

    @bp.post("/<tenant>/test-enqueue")
    def start():
        enqueue(sample_jobs.fail)
        db.session.commit()
        return "accepted", 202

    app.register_blueprint(bp)
    client = login_as(world.a.admin)
    with caplog.at_level(logging.ERROR, logger="kringwerk.jobs"):
        response = client.post("/kring-a/test-enqueue")
    assert response.status_code == 202
    assert seen == [("fail", world.a.tenant.id)]
    assert "failed in-process" in caplog.text


def test_plugin_job_refused_while_the_plugin_is_disabled(world, caplog):
    with caplog.at_level(logging.INFO, logger="kringwerk.jobs"):
        enqueue(dummy_hooks.count_notes, world.a.tenant.id, tenant=world.a.tenant, plugin="dummy")
        db.session.commit()
    assert dummy_hooks.calls == []
    assert "plugin dummy is not enabled" in caplog.text

    enable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    enqueue(dummy_hooks.count_notes, world.a.tenant.id, tenant=world.a.tenant, plugin="dummy")
    enqueue(dummy_hooks.count_notes, world.b.tenant.id, tenant=world.b.tenant, plugin="dummy")
    db.session.commit()
    assert dummy_hooks.calls == [("periodic", world.a.tenant.id)]


def test_runner_returns_the_skipped_marker(world, app):
    from kringwerk.jobs.runner import run_isolated

    result = run_isolated(
        app,
        "tests.support.dummy_plugin.hooks:count_notes",
        [world.a.tenant.id],
        {},
        tenant_id=world.a.tenant.id,
        plugin="dummy",
    )
    assert result == SKIPPED
    assert dummy_hooks.calls == []


# --- what enqueue refuses, and the ids it makes --------------------------------------------


def test_job_ids_carry_the_tenant(world):
    a = world.a.tenant.id
    assert enqueue(sample_jobs.note, tenant=a, job_id="reminder-17") == f"t{a}-reminder-17"
    auto = enqueue(sample_jobs.note, tenant=a)
    assert auto.startswith(f"t{a}-note-") and len(auto.rsplit("-", 1)[1]) == 32
    assert enqueue(sample_jobs.note).startswith("platform-note-")
    db.session.rollback()


@pytest.mark.parametrize("job_id", ["has:colon", "has space", "", "x" * 121])
def test_job_id_with_characters_rq_refuses_is_rejected(world, job_id):
    with pytest.raises(ValueError):
        enqueue(sample_jobs.note, tenant=world.a.tenant, job_id=job_id)
    assert pending_jobs() == []


def test_only_module_level_functions_can_be_jobs(world):
    def local_job():
        pass

    for func in (local_job, lambda: None, print, "tests.jobs.sample_jobs:note"):
        with pytest.raises(TypeError):
            enqueue(func, tenant=world.a.tenant)
    assert pending_jobs() == []


def test_arguments_must_be_json(world):
    with pytest.raises(TypeError, match="JSON-serialisable"):
        enqueue(sample_jobs.note, world.a.tenant, tenant=world.a.tenant)
    with pytest.raises(TypeError, match="JSON-serialisable"):
        enqueue(sample_jobs.note, tenant=world.a.tenant, when={1, 2})
    assert pending_jobs() == []


def test_arguments_arrive_as_json_gives_them_back(world):
    enqueue(sample_jobs.note, (1, 2), {3: "three"}, tenant=world.a.tenant)
    db.session.commit()
    assert seen[0][2] == ([1, 2], {"3": "three"})


def test_plugin_job_needs_a_tenant(app):
    with pytest.raises(ValueError, match="needs a tenant"):
        enqueue(dummy_hooks.count_notes, 1, plugin="dummy")


def test_dispatch_keeps_going_after_a_failing_job(world):
    enqueue(sample_jobs.fail, tenant=world.a.tenant)
    enqueue(sample_jobs.note, "after", tenant=world.a.tenant)
    jobs = pending_jobs()
    db.session.rollback()
    dispatch(jobs)
    assert [entry[0] for entry in seen] == ["fail", "note"]
