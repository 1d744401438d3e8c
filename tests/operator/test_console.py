"""The operator console: who may see it, the tenant list, creating tenants,
a tenant's details, and switching plugins on and off (with and without htmx)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.members.models import Company, Theme
from kringwerk.pluginhost import enabled_keys
from kringwerk.pluginhost.models import TenantPlugin
from kringwerk.tenancy import tenant_scope, unscoped
from kringwerk.tenancy.models import Tenant, TenantKind
from kringwerk.tenants.services import create_tenant

HTMX = {"HX-Request": "true"}


def without_csrf_token(html: str) -> str:
    """The token carries a timestamp; two renderings a second apart differ only there."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)


def audit_actions(tenant) -> list[str]:
    with tenant_scope(tenant):
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- access -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/operator/", "/operator/tenants/new", "/operator/audit/"])
def test_everyone_but_operators_gets_404(world, client, login_as, path):
    assert client.get(path).status_code == 404  # anonymous
    for user in (world.outsider, world.a.admin, world.b.member):
        login_as(user)
        assert client.get(path).status_code == 404, user.email
    login_as(world.operator)
    assert client.get(path).status_code == 200


def test_tenant_detail_and_toggle_are_404_for_a_tenant_admin(world, login_as):
    client = login_as(world.a.admin)
    tenant_id = world.a.tenant.id
    assert client.get(f"/operator/tenants/{tenant_id}/").status_code == 404
    response = client.post(f"/operator/tenants/{tenant_id}/plugins/dummy", data={"enabled": "1"})
    assert response.status_code == 404
    assert "dummy" not in enabled_keys(world.a.tenant)


# --- the tenant list --------------------------------------------------------------------


def test_list_shows_tenants_and_searches_name_and_slug(world, operator_client):
    create_tenant("regio-oost", "Cleantech Regio", "region")
    db.session.commit()
    page = operator_client.get("/operator/").get_data(as_text=True)
    assert "Kring A" in page and "Kring B" in page and "Cleantech Regio" in page

    page = operator_client.get("/operator/?q=cleantech").get_data(as_text=True)
    assert "Cleantech Regio" in page and "Kring A" not in page

    page = operator_client.get("/operator/?q=kring-b").get_data(as_text=True)
    assert "Kring B" in page and "Kring A" not in page


def test_list_filters_on_kind(world, operator_client):
    create_tenant("gemeente-x", "Gemeente X", "municipality")
    db.session.commit()
    page = operator_client.get("/operator/?kind=municipality").get_data(as_text=True)
    assert "Gemeente X" in page and "Kring A" not in page


def test_unknown_kind_is_a_clear_400(world, operator_client):
    response = operator_client.get("/operator/?kind=spaceship")
    assert response.status_code == 400
    assert "field-error" in response.get_data(as_text=True)


def test_search_with_like_wildcards_is_literal(world, operator_client):
    page = operator_client.get("/operator/?q=%25").get_data(as_text=True)
    assert "Kring A" not in page


def test_list_paginates(world, operator_client, app):
    app.config["PAGE_SIZE"] = 2
    create_tenant("zz-laatste", "Zz Laatste", "association")
    db.session.commit()
    first = operator_client.get("/operator/").get_data(as_text=True)
    assert "Kring A" in first and "Zz Laatste" not in first
    second = operator_client.get("/operator/?page=2").get_data(as_text=True)
    assert "Zz Laatste" in second and "Kring A" not in second


def test_list_query_count_does_not_grow_with_tenants(world, operator_client, count_queries):
    with count_queries() as few:
        assert operator_client.get("/operator/").status_code == 200
    for n in range(6):
        create_tenant(f"extra-{n}", f"Extra {n}", "association")
    db.session.commit()
    with count_queries() as many:
        assert operator_client.get("/operator/").status_code == 200
    assert len(many) == len(few)


# --- creating a tenant ------------------------------------------------------------------


def test_create_tenant(world, operator_client):
    response = operator_client.post(
        "/operator/tenants/new",
        data={
            "slug": "ondernemend-assen",
            "name": "Ondernemend Assen",
            "kind": "association",
            "default_locale": "en",
            "timezone": "Europe/Amsterdam",
            "contact_name": "Jan Jansen",
            "contact_email": "jan@example.com",
        },
    )
    assert response.status_code == 302
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "ondernemend-assen"))
    assert response.headers["Location"].endswith(f"/operator/tenants/{tenant.id}/")
    assert (tenant.name, tenant.kind, tenant.default_locale) == (
        "Ondernemend Assen",
        TenantKind.ASSOCIATION,
        "en",
    )
    assert tenant.contact_email == "jan@example.com"
    assert audit_actions(tenant) == ["tenant.created"]
    with tenant_scope(tenant):
        entry = db.session.scalar(select(AuditEntry))
        assert entry.actor_id == world.operator.id
        assert db.session.scalar(select(func.count(Theme.id))) > 0


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"slug": "kring-a"}, "slug", "already taken"),
        ({"slug": "operator"}, "slug", "reserved"),
        ({"slug": "Bad Slug!"}, "slug", "lowercase letters"),
        ({"timezone": "Mars/Olympus"}, "timezone", "not a known time zone"),
        ({"kind": "planet"}, "kind", ""),
        ({"name": ""}, "name", ""),
    ],
)
def test_create_tenant_refuses_bad_input_next_to_the_field(world, operator_client, data, field, message):
    values = {"slug": "nieuw", "name": "Nieuw", "kind": "association", "default_locale": "nl"}
    values["timezone"] = "Europe/Amsterdam"
    values.update(data)
    response = operator_client.post("/operator/tenants/new", data=values)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert message in page
    # What was typed stays in the form.
    assert f'value="{values["name"]}"' in page or not values["name"]
    assert db.session.scalar(select(func.count(Tenant.id))) == 2


# --- a tenant's details -----------------------------------------------------------------


def test_detail_shows_counts_of_that_tenant_only(world, operator_client):
    with tenant_scope(world.a.tenant):
        db.session.add_all([Company(name="Alpha BV"), Company(name="Anker BV"), Company(name="Atlas BV")])
        db.session.flush()
    with tenant_scope(world.b.tenant):
        db.session.add(Company(name="Bravo BV"))
        db.session.flush()
    db.session.commit()
    page = operator_client.get(f"/operator/tenants/{world.a.tenant.id}/").get_data(as_text=True)
    assert 'data-count="members">4<' in page
    assert 'data-count="companies">3<' in page
    page = operator_client.get(f"/operator/tenants/{world.b.tenant.id}/").get_data(as_text=True)
    assert 'data-count="companies">1<' in page


def test_detail_of_unknown_tenant_is_404(world, operator_client):
    assert operator_client.get("/operator/tenants/999999/").status_code == 404


def test_detail_lists_every_installed_plugin(world, operator_client):
    page = operator_client.get(f"/operator/tenants/{world.a.tenant.id}/").get_data(as_text=True)
    for key in ("dummy", "polls", "events", "masterplan", "mkb-toets"):
        assert f'id="plugin-{key}"' in page


def test_detail_query_count_is_constant(app, world, operator_client, count_queries):
    # The page as built after a write (data kept per process would hide its statements).
    app.config["KEEP_PAGE_DATA"] = False
    url = f"/operator/tenants/{world.a.tenant.id}/"
    operator_client.get(url)  # warm: the process keeps the enabled plugins (tenancy.cache)
    with count_queries() as before:
        operator_client.get(url)
    with tenant_scope(world.a.tenant):
        db.session.add_all([Company(name=f"Bedrijf {n}") for n in range(10)])
        db.session.flush()
    db.session.commit()
    with count_queries() as after:
        operator_client.get(url)
    assert len(after) == len(before)


# --- plugins on and off -----------------------------------------------------------------


def test_enable_without_javascript_redirects_back(world, operator_client):
    url = f"/operator/tenants/{world.a.tenant.id}/plugins/dummy"
    response = operator_client.post(url, data={"enabled": "1"})
    assert response.status_code == 302
    assert f"/operator/tenants/{world.a.tenant.id}/" in response.headers["Location"]
    db.session.expire_all()
    assert "dummy" in enabled_keys(world.a.tenant)
    assert "dummy" not in enabled_keys(world.b.tenant)
    assert "plugin.enabled" in audit_actions(world.a.tenant)
    assert "plugin.enabled" not in audit_actions(world.b.tenant)
    # The plugin's pages now answer in tenant A only.
    with tenant_scope(world.a.tenant):
        row = db.session.scalar(select(TenantPlugin).where(TenantPlugin.key == "dummy"))
        assert row.enabled_by_id == world.operator.id


def test_disable_with_htmx_answers_the_toggle_fragment(world, operator_client):
    url = f"/operator/tenants/{world.a.tenant.id}/plugins/dummy"
    operator_client.post(url, data={"enabled": "1"})
    response = operator_client.post(url, data={"enabled": "0"}, headers=HTMX)
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div class="plugin-toggle" id="plugin-dummy">')
    assert "<html" not in fragment and "<h1" not in fragment
    assert 'name="enabled" value="1"' in fragment  # the next click enables it again
    assert f'hx-post="{url}"' in fragment
    db.session.expire_all()
    assert "dummy" not in enabled_keys(world.a.tenant)
    assert audit_actions(world.a.tenant)[-2:] == ["plugin.enabled", "plugin.disabled"]


def test_fragment_and_page_render_the_same_toggle(world, operator_client):
    url = f"/operator/tenants/{world.a.tenant.id}/plugins/dummy"
    fragment = operator_client.post(url, data={"enabled": "1"}, headers=HTMX).get_data(as_text=True)
    page = operator_client.get(f"/operator/tenants/{world.a.tenant.id}/").get_data(as_text=True)
    assert without_csrf_token(fragment).strip() in without_csrf_token(page)


def test_enabling_twice_is_harmless(world, operator_client):
    url = f"/operator/tenants/{world.a.tenant.id}/plugins/dummy"
    operator_client.post(url, data={"enabled": "1"})
    operator_client.post(url, data={"enabled": "1"})
    db.session.expire_all()
    assert "dummy" in enabled_keys(world.a.tenant)
    assert audit_actions(world.a.tenant).count("plugin.enabled") == 1


def test_plugin_error_is_shown_next_to_the_toggle_with_htmx(world, operator_client, needy_plugin):
    url = f"/operator/tenants/{world.a.tenant.id}/plugins/needy"
    response = operator_client.post(url, data={"enabled": "1"}, headers=HTMX)
    assert response.status_code == 422
    fragment = response.get_data(as_text=True)
    assert 'id="plugin-needy"' in fragment
    assert 'role="alert"' in fragment and "dummy" in fragment
    assert "needy" not in enabled_keys(world.a.tenant)


def test_plugin_error_is_shown_next_to_the_toggle_without_javascript(world, operator_client, needy_plugin):
    url = f"/operator/tenants/{world.a.tenant.id}/plugins/needy"
    response = operator_client.post(url, data={"enabled": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    toggle = page[page.index('id="plugin-needy"') :]
    toggle = toggle[: toggle.index("</li>")]
    assert 'class="field-error" role="alert"' in toggle
    # The other toggles carry no error.
    dummy = page[page.index('id="plugin-dummy"') :]
    assert "field-error" not in dummy[: dummy.index("</li>")]


def test_disabling_a_plugin_another_needs_is_refused(world, operator_client, needy_plugin):
    base = f"/operator/tenants/{world.a.tenant.id}/plugins"
    operator_client.post(f"{base}/dummy", data={"enabled": "1"})
    operator_client.post(f"{base}/needy", data={"enabled": "1"})
    response = operator_client.post(f"{base}/dummy", data={"enabled": "0"}, headers=HTMX)
    assert response.status_code == 422
    assert "Needy" in response.get_data(as_text=True)
    db.session.expire_all()
    assert {"dummy", "needy"} <= enabled_keys(world.a.tenant)


def test_unknown_plugin_and_bad_state_are_4xx(world, operator_client):
    base = f"/operator/tenants/{world.a.tenant.id}/plugins"
    assert operator_client.post(f"{base}/nope", data={"enabled": "1"}).status_code == 404
    assert operator_client.post(f"{base}/dummy", data={"enabled": "maybe"}).status_code == 400
    assert (
        operator_client.post("/operator/tenants/999999/plugins/dummy", data={"enabled": "1"}).status_code
        == 404
    )


@pytest.mark.both_databases
def test_toggle_in_one_tenant_leaves_the_other_alone(world, operator_client):
    operator_client.post(f"/operator/tenants/{world.b.tenant.id}/plugins/dummy", data={"enabled": "1"})
    db.session.expire_all()
    assert "dummy" in enabled_keys(world.b.tenant)
    assert "dummy" not in enabled_keys(world.a.tenant)
    with unscoped("test: every plugin row"):
        rows = db.session.execute(select(TenantPlugin.tenant_id, TenantPlugin.key)).all()
    assert rows == [(world.b.tenant.id, "dummy")]


def test_an_id_beyond_the_database_range_is_404(world, operator_client):
    huge = "9" * 23
    assert operator_client.get(f"/operator/tenants/{huge}/").status_code == 404
    assert (
        operator_client.post(f"/operator/tenants/{huge}/plugins/dummy", data={"enabled": "1"}).status_code
        == 404
    )
