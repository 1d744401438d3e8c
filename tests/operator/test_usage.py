"""A tenant's usage in the operator console: people, companies, each enabled module's own
counts (``usage_figures``: polls, events, dossiers, masterplans), the modules on, and the
last activity; in the service, on the tenant list (paginated, statements independent of
the tenants shown) and on a tenant's page. Tenant B's counts never reach tenant A's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kringwerk.audit.services import record
from kringwerk.extensions import db
from kringwerk.operator.usage import UsageFigure, tenant_usage
from kringwerk.pluginhost import Plugin, get_registry, hookimpl
from kringwerk.pluginhost.services import disable_plugin, enable_plugin
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Tenant
from kringwerk.tenants.services import create_tenant
from tests.plugins.events.conftest import make_event
from tests.plugins.masterplan.conftest import _plan as make_plan
from tests.plugins.mkb_toets.conftest import make_dossier
from tests.plugins.polls.conftest import make_poll

MODULES = ("events", "masterplan", "mkb-toets", "polls")
KEYS = ("events.events", "masterplan.plans", "mkb-toets.dossiers", "polls.polls")


def fill(tenant, *, polls=0, events=0, dossiers=0, plans=0) -> None:
    for n in range(polls):
        make_poll(tenant, title=f"Poll {n}")
    for n in range(events):
        make_event(tenant, title=f"Event {n}")
    for n in range(dossiers):
        make_dossier(tenant, title=f"Dossier {n}")
    for n in range(plans):
        make_plan(tenant, f"Plan {n}")
    db.session.commit()


@pytest.fixture
def used(world):
    """Every module on in both tenants; A and B hold different numbers of each."""
    for side in (world.a, world.b):
        for key in MODULES:
            enable_plugin(side.tenant, key)
    db.session.commit()
    fill(world.a.tenant, polls=2, events=1, dossiers=3, plans=1)
    fill(world.b.tenant, polls=1, events=4, plans=2)
    return world


def figures(usage) -> dict[str, int]:
    return {figure.key: figure.count for figure in usage.figures}


@pytest.mark.both_databases
def test_each_tenant_gets_its_own_counts(used):
    a, b = tenant_usage([used.a.tenant, used.b.tenant])
    assert a.tenant.id == used.a.tenant.id and b.tenant.id == used.b.tenant.id
    assert figures(a) == {
        "events.events": 1,
        "masterplan.plans": 1,
        "mkb-toets.dossiers": 3,
        "polls.polls": 2,
    }
    assert figures(b) == {
        "events.events": 4,
        "masterplan.plans": 2,
        "mkb-toets.dossiers": 0,
        "polls.polls": 1,
    }
    assert [figure.tenant_id for figure in a.figures] == [used.a.tenant.id] * 4
    assert [plugin.key for plugin in a.plugins] == sorted(MODULES)
    assert (a.members, b.members) == (4, 4)
    # Asked alone, a tenant's figures are the same: nothing of B leaks in or out.
    [alone] = tenant_usage([used.a.tenant])
    assert figures(alone) == figures(a)


@pytest.mark.both_databases
def test_a_disabled_module_shows_no_figures(used):
    disable_plugin(used.b.tenant, "events")
    db.session.commit()
    a, b = tenant_usage([used.a.tenant, used.b.tenant])
    assert "events.events" not in figures(b) and "events" not in [plugin.key for plugin in b.plugins]
    assert figures(a)["events.events"] == 1


@pytest.mark.both_databases
def test_last_activity_is_the_latest_change_or_sign_in(world):
    a_tenant, b_tenant = world.a.tenant, world.b.tenant
    member = world.a.member
    member.last_login_at = datetime(2030, 1, 2, 9, 30, tzinfo=UTC)
    db.session.commit()
    a, b = tenant_usage([a_tenant, b_tenant])
    assert a.last_sign_in == datetime(2030, 1, 2, 9, 30, tzinfo=UTC)
    assert a.last_activity.sign_in and a.last_activity.at == a.last_sign_in
    assert b.last_sign_in is None or b.last_sign_in < a.last_sign_in  # A's sign-in is not B's
    assert b.last_change is not None and not b.last_activity.sign_in  # "tenant.created"
    with tenant_scope(b_tenant):
        record("tenant.updated", actor=world.b.admin, target=b_tenant)
        db.session.flush()
    db.session.commit()
    _, b_after = tenant_usage([a_tenant, b_tenant])
    assert b_after.last_change > b.last_change


def test_a_tenant_without_modules_or_people(world):
    create_tenant("leeg", "Lege Kring", "association")
    db.session.commit()
    empty = db.session.scalar(db.select(Tenant).where(Tenant.slug == "leeg"))
    [usage] = tenant_usage([empty])
    assert (usage.members, usage.companies, usage.plugins, usage.figures) == (0, 0, (), ())
    assert usage.last_sign_in is None and usage.last_change is not None  # created
    assert tenant_usage([]) == []


class RogueHooks:
    """Answers for tenants it was not asked about, and with things that are not counts."""

    def __init__(self, other_tenant_id: int) -> None:
        self.other = other_tenant_id

    @hookimpl
    def usage_figures(self, tenant_ids):
        asked = tenant_ids[0]
        return [
            UsageFigure(asked, "rogue.items", "Items", 7),
            UsageFigure(self.other, "rogue.items", "Items", 99),  # not asked: dropped
            UsageFigure(asked, "rogue.flag", "Flag", True),  # not a count: dropped
            "a row",
        ]


def test_figures_for_tenants_not_asked_are_dropped(world, app):
    get_registry(app).add(Plugin(key="rogue", name="Rogue", hooks=RogueHooks(world.b.tenant.id)))
    enable_plugin(world.a.tenant, "rogue")
    db.session.commit()
    a, b = tenant_usage([world.a.tenant, world.b.tenant])
    assert figures(a) == {"rogue.items": 7}
    assert figures(b) == {}


# --- the pages ---------------------------------------------------------------------------


def test_the_list_shows_each_tenants_usage_at_a_glance(used, login_as):
    page = login_as(used.operator).get("/operator/").get_data(as_text=True)
    row_a = page.split(f'id="tenant-{used.a.tenant.id}"')[1].split("</tr>")[0]
    row_b = page.split(f'id="tenant-{used.b.tenant.id}"')[1].split("</tr>")[0]
    assert '<li data-figure="polls.polls">Polls: 2</li>' in row_a
    assert '<li data-figure="mkb-toets.dossiers">Dossiers: 3</li>' in row_a
    assert '<li data-figure="events.events">Events: 4</li>' in row_b
    assert '<li data-figure="masterplan.plans">Masterplans: 2</li>' in row_b
    assert 'data-count="members">4<' in row_a and 'data-status="active"' in row_a
    assert "Events, Masterplans, MKB-toets, Polls" in row_a
    assert f'href="/operator/tenants/{used.a.tenant.id}/billing"' in row_a


def test_the_list_paginates_with_usage(used, login_as, app):
    app.config["PAGE_SIZE"] = 1
    client = login_as(used.operator)
    first = client.get("/operator/").get_data(as_text=True)
    assert f'id="tenant-{used.a.tenant.id}"' in first and f'id="tenant-{used.b.tenant.id}"' not in first
    second = client.get("/operator/?page=2").get_data(as_text=True)
    assert f'id="tenant-{used.b.tenant.id}"' in second and "Events: 4" in second


def test_the_tenant_page_shows_its_usage_only(used, login_as):
    client = login_as(used.operator)
    page = client.get(f"/operator/tenants/{used.a.tenant.id}/").get_data(as_text=True)
    usage = page.split('id="usage"')[1].split("</section>")[0]
    assert '<dd data-figure="polls.polls">2</dd>' in usage
    assert '<dd data-figure="events.events">1</dd>' in usage
    assert '<dd data-figure="mkb-toets.dossiers">3</dd>' in usage
    assert '<dd data-figure="masterplan.plans">1</dd>' in usage
    assert 'data-moment="change"' in usage and 'data-moment="sign-in"' in usage
    assert f'href="/operator/tenants/{used.a.tenant.id}/billing"' in page


@pytest.mark.parametrize("path", ["/operator/", "/operator/tenants/{id}/"])
def test_usage_pages_are_for_operators_only(used, client, login_as, path):
    url = path.format(id=used.a.tenant.id)
    assert client.get(url).status_code == 404
    for user in (used.a.admin, used.b.admin, used.outsider):
        assert login_as(user).get(url).status_code == 404
    assert login_as(used.operator).get(url).status_code == 200


def test_list_statements_do_not_grow_with_tenants_or_their_items(used, login_as, count_queries):
    client = login_as(used.operator)
    with count_queries() as few:
        assert client.get("/operator/").status_code == 200
    for n in range(5):
        tenant = create_tenant(f"extra-{n}", f"Extra {n}", "association")
        for key in MODULES:
            enable_plugin(tenant, key)
        db.session.commit()
        fill(tenant, polls=1, events=2)
    with count_queries() as many:
        assert client.get("/operator/").status_code == 200
    assert len(many) == len(few)


def test_detail_statements_do_not_grow_with_items(app, used, login_as, count_queries):
    # The page as built after a write (data kept per process would hide its statements).
    app.config["KEEP_PAGE_DATA"] = False
    client = login_as(used.operator)
    url = f"/operator/tenants/{used.a.tenant.id}/"
    client.get(url)  # warm: the process keeps the enabled plugins (tenancy.cache)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    fill(used.a.tenant, polls=3, events=3, dossiers=2, plans=2)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
