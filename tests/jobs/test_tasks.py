"""Progress of long work: BackgroundTask, its helpers, and the polling status fragment."""

from __future__ import annotations

import re

import pytest

from kringwerk.extensions import db
from kringwerk.jobs import fail_task, finish_task, report_progress, start_task
from kringwerk.jobs.models import BackgroundTask, TaskFailure, TaskStatus
from kringwerk.jobs.services import create_task
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy.context import tenant_scope
from tests.jobs import sample_jobs
from tests.jobs.sample_jobs import seen


def make_task(side, actor=None, **values) -> int:
    with tenant_scope(side.tenant):
        task = create_task("test.work", actor=actor or side.admin)
        for name, value in values.items():
            setattr(task, name, value)
        db.session.commit()
        return task.id


def url(slug: str, task_id: int) -> str:
    return f"/{slug}/tasks/{task_id}"


def test_start_task_runs_the_job_and_records_progress_and_result(world):
    with tenant_scope(world.a.tenant):
        task = start_task("test.count", sample_jobs.count_in_steps, 3, actor=world.a.admin, total=3)
        task_id = task.id
        assert task.status == TaskStatus.QUEUED
        db.session.commit()
        task = db.session.get(BackgroundTask, task_id)
        assert task.status == TaskStatus.DONE
        assert (task.done, task.total, task.percent) == (3, 3, 100)
        assert task.message == "Counted to 3."
        assert task.result == {"message": "Counted to 3.", "url": "/kring-a/", "count": 3}
        assert task.created_by_id == world.a.admin.id
        assert task.tenant_id == world.a.tenant.id
        assert task.started_at is not None and task.finished_at >= task.started_at
    assert [entry for entry in seen if entry[0] == "step"] == [("step", 1), ("step", 2), ("step", 3)]


def test_failed_job_fails_its_task_and_keeps_the_progress(world):
    with tenant_scope(world.a.tenant):
        task_id = start_task("test.halfway", sample_jobs.halfway, actor=world.a.admin).id
        db.session.commit()
        task = db.session.get(BackgroundTask, task_id)
        assert task.status == TaskStatus.FAILED
        assert task.failure == TaskFailure.ERROR
        assert (task.done, task.total, task.message) == (5, 10, "halfway")


def test_task_of_a_disabled_plugin_fails_with_that_reason(world, login_as):
    with tenant_scope(world.a.tenant):
        task_id = start_task("dummy.work", sample_jobs.note, actor=world.a.admin, plugin="dummy").id
        db.session.commit()
        task = db.session.get(BackgroundTask, task_id)
        assert (task.status, task.failure) == (TaskStatus.FAILED, TaskFailure.PLUGIN_DISABLED)
    assert seen == []
    client = login_as(world.a.admin)
    # While the plugin is off its task is gone with it; once on again, the page says why it failed.
    assert client.get(url("kring-a", task_id)).status_code == 404
    enable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    page = client.get(url("kring-a", task_id)).get_data(as_text=True)
    assert "This feature is not enabled for this organisation" in page
    assert "hx-get" not in page


def test_start_task_needs_a_tenant(world):
    with pytest.raises(ValueError):
        start_task("test.count", sample_jobs.count_in_steps, 3, actor=world.a.admin)


def test_running_task_fragment_polls_itself(world, login_as):
    task_id = make_task(world.a, total=10)
    with tenant_scope(world.a.tenant):
        report_progress(task_id, 4, message="Importing companies")
    client = login_as(world.a.admin)

    response = client.get(url("kring-a", task_id), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"] and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "<html" not in html  # the fragment alone
    assert html.strip().startswith(
        f'<section class="panel task-status task-status--running" id="task-{task_id}"'
    )
    assert f'hx-get="/kring-a/tasks/{task_id}"' in html
    assert 'hx-trigger="every 1s"' in html and 'hx-swap="outerHTML"' in html
    assert re.search(r'<progress[^>]*max="10" value="4"', html)
    assert "4 of 10 done (40%)" in html
    assert "Importing companies" in html
    assert 'aria-busy="true"' in html

    page = client.get(url("kring-a", task_id)).get_data(as_text=True)
    assert "<html" in page and f'id="task-{task_id}"' in page  # the same fragment inside the page


def test_task_of_unknown_size_shows_an_indeterminate_bar(world, login_as):
    task_id = make_task(world.a)
    with tenant_scope(world.a.tenant):
        report_progress(task_id, 7)
    html = (
        login_as(world.a.admin)
        .get(url("kring-a", task_id), headers={"HX-Request": "true"})
        .get_data(as_text=True)
    )
    progress = re.search(r"<progress[^>]*>", html).group(0)
    assert "value=" not in progress
    assert "7 done so far" in html
    assert 'hx-trigger="every 1s"' in html


def test_finished_task_stops_polling_and_shows_the_result(world, login_as):
    task_id = make_task(world.a, total=2)
    with tenant_scope(world.a.tenant):
        finish_task(task_id, message="2 companies imported.", result={"url": "/kring-a/"})
        db.session.commit()
    html = (
        login_as(world.a.admin)
        .get(url("kring-a", task_id), headers={"HX-Request": "true"})
        .get_data(as_text=True)
    )
    assert "hx-get" not in html and "hx-trigger" not in html
    assert "2 companies imported." in html
    assert re.search(r'<progress[^>]*max="100" value="100"', html)
    assert '<a class="button" href="/kring-a/">' in html


@pytest.mark.parametrize("bad_url", ["javascript:alert(1)", "https://evil.example/", "//evil.example/x"])
def test_result_links_only_to_this_site(world, login_as, bad_url):
    task_id = make_task(world.a)
    with tenant_scope(world.a.tenant):
        finish_task(task_id, result={"url": bad_url})
        db.session.commit()
    html = login_as(world.a.admin).get(url("kring-a", task_id)).get_data(as_text=True)
    assert "evil" not in html and "javascript:" not in html
    assert "The work is done." in html


def test_failed_task_says_so_without_polling(world, login_as):
    task_id = make_task(world.a, total=4, done=1)
    with tenant_scope(world.a.tenant):
        fail_task(task_id, message="The file has no header row.")
        db.session.commit()
    html = login_as(world.a.admin).get(url("kring-a", task_id)).get_data(as_text=True)
    assert 'role="alert"' in html
    assert "The work could not be completed" in html
    assert "The file has no header row." in html
    assert "hx-trigger" not in html


@pytest.mark.both_databases
def test_another_tenant_cannot_see_the_task(world, login_as):
    task_id = make_task(world.a)
    client = login_as(world.b.admin)
    assert client.get(url("kring-b", task_id)).status_code == 404  # not in B
    assert client.get(url("kring-a", task_id)).status_code == 404  # not a member of A
    assert client.get(url("kring-a", task_id), headers={"HX-Request": "true"}).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("facilitator", 200),
        ("operator", 200),
        ("creator", 200),
        ("member", 404),
        ("outsider", 404),
    ],
)
def test_who_may_follow_a_task(world, login_as, who, status):
    creator = world.a.official
    task_id = make_task(world.a, actor=creator)
    user = {
        "admin": world.a.admin,
        "facilitator": world.a.facilitator,
        "operator": world.operator,
        "creator": creator,
        "member": world.a.member,
        "outsider": world.outsider,
    }[who]
    assert login_as(user).get(url("kring-a", task_id)).status_code == status


def test_signed_out_visitor_is_sent_to_sign_in(world, client):
    task_id = make_task(world.a)
    response = client.get(url("kring-a", task_id))
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_unknown_task_answers_404(world, login_as):
    assert login_as(world.a.admin).get(url("kring-a", 999999)).status_code == 404


def test_progress_of_another_tenants_task_is_not_recorded(world):
    task_id = make_task(world.a)
    with tenant_scope(world.b.tenant):
        assert report_progress(task_id, 3) is None
    with tenant_scope(world.a.tenant):
        assert db.session.get(BackgroundTask, task_id).done == 0


def test_failed_attempt_with_retries_left_waits_for_the_retry(world, queue, work):
    with tenant_scope(world.a.tenant):
        task_id = start_task("test.halfway", sample_jobs.halfway, actor=world.a.admin).id
        db.session.commit()
        assert db.session.get(BackgroundTask, task_id).status == TaskStatus.QUEUED
    work()
    db.session.expire_all()
    with tenant_scope(world.a.tenant):
        task = db.session.get(BackgroundTask, task_id)
        # Progress reported before the failure stays; the task waits for RQ's retry.
        assert (task.status, task.done, task.total) == (TaskStatus.QUEUED, 5, 10)
        assert task.finished_at is None


def test_task_runs_on_the_worker(world, queue, work):
    with tenant_scope(world.a.tenant):
        task_id = start_task("test.count", sample_jobs.count_in_steps, 2, actor=world.a.admin).id
        db.session.commit()
    assert queue.count == 1
    work()
    db.session.expire_all()
    with tenant_scope(world.a.tenant):
        task = db.session.get(BackgroundTask, task_id)
        assert (task.status, task.done, task.message) == (TaskStatus.DONE, 2, "Counted to 2.")
