"""``external_url`` and ``current_tenant`` for links in mail and jobs, where there is no request."""

from __future__ import annotations

import pytest

from kringwerk.extensions import db
from kringwerk.jobs import enqueue
from kringwerk.tenancy.context import tenant_scope
from kringwerk.tenancy.routing import current_tenant
from kringwerk.web.urls import external_url
from tests.web import url_jobs


@pytest.fixture(autouse=True)
def _fresh_links():
    url_jobs.built.clear()


def test_external_url_starts_from_base_url_and_fills_in_the_scope(app, world):
    app.config["BASE_URL"] = "https://kringwerk.example.org"
    with tenant_scope(world.b.tenant):
        assert current_tenant().slug == "kring-b"
        assert external_url("members.directory") == "https://kringwerk.example.org/kring-b/members/"
    assert external_url("members.directory", tenant=world.a.tenant).startswith(
        "https://kringwerk.example.org/kring-a/"
    )


def test_external_url_needs_a_tenant_for_a_tenant_page(world):
    assert current_tenant() is None
    with pytest.raises(RuntimeError, match="needs a tenant"):
        external_url("members.directory")


def test_a_job_knows_its_tenant_and_builds_its_links(world):
    enqueue(url_jobs.build_link, tenant=world.a.tenant)
    enqueue(url_jobs.build_link, tenant=world.b.tenant)
    db.session.commit()
    assert [slug for slug, _url in url_jobs.built] == ["kring-a", "kring-b"]
    assert url_jobs.built[0][1].endswith("/kring-a/members/")
    assert url_jobs.built[1][1].endswith("/kring-b/members/")
