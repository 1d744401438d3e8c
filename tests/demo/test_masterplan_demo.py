"""``kringwerk demo`` on a fresh instance switches the masterplans plugin on for
Ondernemend Assen by itself (tenants/ondernemend-assen/tenant.toml), so one run gives
its plans; the association's member finds them from the navigation, down to a plan, a
theme, a project and a goal, and reaches no other association's plans."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from kringwerk.accounts.models import User
from kringwerk.demo import data
from kringwerk.extensions import db
from kringwerk.pluginhost.gating import enabled_keys
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Tenant
from plugins.masterplan.models import Goal, Masterplan, Project
from tests.conftest import login


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


def _tenant(slug: str) -> Tenant:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def _links(html: str, prefix: str) -> list[str]:
    return re.findall(rf'href="({re.escape(prefix)}[^"#?]*)"', html)


@pytest.mark.both_databases
def test_one_demo_run_enables_masterplans_and_the_plans_are_in_the_navigation(app, client, world):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output

    assen = _tenant("ondernemend-assen")
    assert "masterplan" in enabled_keys(assen)
    with tenant_scope(assen):
        plans = db.session.scalar(select(func.count(Masterplan.id)))
        assert plans == 4  # one per circle, from this single run
        assert db.session.scalar(select(func.count(Project.id))) > 0
        assert db.session.scalar(select(func.count(Goal.id))) > 0

    member = db.session.scalar(select(User).where(User.email == "lid.assen@kringwerk.demo"))
    login(client, member, data.DEMO_PASSWORD)
    home = client.get("/ondernemend-assen/")
    assert home.status_code == 200
    nav = home.get_data(as_text=True).split('class="main-nav', 1)[1].split("</nav>", 1)[0]
    assert 'href="/ondernemend-assen/masterplan/"' in nav

    index = client.get("/ondernemend-assen/masterplan/")
    assert index.status_code == 200
    plan_links = sorted(set(_links(index.get_data(as_text=True), "/ondernemend-assen/masterplan/")))
    plan_links = [link for link in plan_links if re.fullmatch(r".*/masterplan/\d+/", link)]
    assert len(plan_links) == plans

    plan_page = client.get(plan_links[0])
    assert plan_page.status_code == 200
    body = plan_page.get_data(as_text=True)
    for kind in ("themes", "projects", "goals"):
        links = [link for link in _links(body, plan_links[0]) if f"/{kind}/" in link]
        assert links, kind
        assert client.get(links[0]).status_code == 200, links[0]

    # The member of Assen reaches no other demo association's plans, nor the test world's.
    ikl = _tenant("ikl")
    assert "masterplan" in enabled_keys(ikl)
    assert client.get("/ikl/masterplan/").status_code == 404
    with tenant_scope(world.a.tenant):
        assert db.session.scalar(select(func.count(Masterplan.id))) == 0
    assert client.get(f"/{world.a.tenant.slug}/masterplan/").status_code == 404
