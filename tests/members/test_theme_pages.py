"""Theme pages: the list, the board's administration, and a theme's own page with
what plugins did on it."""

from __future__ import annotations

import re

from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.members import groupings
from kringwerk.members.models import Theme
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from tests.members.support import audit_actions, page_text, theme_by_key


def theme_id(tenant, key: str) -> int:
    with tenant_scope(tenant):
        return theme_by_key(key).id


def keys_in_order(tenant) -> list[str]:
    db.session.expire_all()
    with tenant_scope(tenant):
        return [theme.key for theme in groupings.ordered_themes()]


def test_members_see_active_themes_with_counts(members, login_as):
    with tenant_scope(members.a.tenant):
        theme_by_key("veiligheid").active = False
        db.session.commit()
    response = login_as(members.a.member).get("/kring-a/members/themes/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Energy" in text and "Mobility" in text and "Safety" not in text
    assert "1 company" in text  # energie: Alpha
    assert "/edit" not in text and "/move" not in text


def test_admin_sees_every_theme_with_controls(members, login_as):
    with tenant_scope(members.a.tenant):
        theme_by_key("veiligheid").active = False
        db.session.commit()
    text = page_text(login_as(members.a.admin).get("/kring-a/members/themes/"))
    assert "Veiligheid" in text and "Switched off" in text and "Switch on" in text
    assert text.count("/move") >= 24
    assert "/kring-a/members/themes/new" in text


def test_facilitators_and_members_cannot_change_themes(members, login_as):
    energie = theme_id(members.a.tenant, "energie")
    for user in (members.a.facilitator, members.a.member):
        client = login_as(user)
        assert client.get("/kring-a/members/themes/new").status_code == 403
        assert client.get(f"/kring-a/members/themes/{energie}/edit").status_code == 403
        assert client.post(f"/kring-a/members/themes/{energie}/deactivate").status_code == 403
        assert (
            client.post(f"/kring-a/members/themes/{energie}/move", data={"direction": "down"}).status_code
            == 403
        )
        client.post("/account/logout")
    assert keys_in_order(members.a.tenant)[0] == "energie"
    with tenant_scope(members.a.tenant):
        assert theme_by_key("energie").active


def test_admin_adds_and_edits_a_theme(members, login_as):
    client = login_as(members.a.admin)
    assert client.get("/kring-a/members/themes/new").status_code == 200
    duplicate = client.post("/kring-a/members/themes/new", data={"name_nl": "energie", "name_en": "Power"})
    assert duplicate.status_code == 422
    assert 'id="name_nl-error"' in page_text(duplicate) and 'value="Power"' in page_text(duplicate)
    response = client.post(
        "/kring-a/members/themes/new",
        data={
            "name_nl": "Zorg & onderwijs",
            "name_en": "Care and education",
            "description_nl": "Met scholen.",
        },
    )
    assert response.status_code == 302
    assert keys_in_order(members.a.tenant)[-1] == "zorg-onderwijs"
    assert "zorg-onderwijs" not in keys_in_order(members.b.tenant)
    new_id = theme_id(members.a.tenant, "zorg-onderwijs")
    edit = f"/kring-a/members/themes/{new_id}/edit"
    form = page_text(client.get(edit))
    assert "zorg-onderwijs" in form and 'value="Zorg &amp; onderwijs"' in form
    assert client.post(edit, data={"name_nl": "", "name_en": "X"}).status_code == 422
    changes = {"name_nl": "Zorg", "name_en": "Care", "description_nl": "", "description_en": "With schools."}
    assert client.post(edit, data=changes).status_code == 302
    db.session.expire_all()
    with tenant_scope(members.a.tenant):
        theme = db.session.get(Theme, new_id)
        assert (theme.key, theme.name_nl, theme.name_en, theme.description_nl, theme.description_en) == (
            "zorg-onderwijs",
            "Zorg",
            "Care",
            None,
            "With schools.",
        )
    assert audit_actions(members.a.tenant)[-2:] == ["theme.created", "theme.updated"]


def test_deactivate_and_reactivate(members, login_as):
    client = login_as(members.a.admin)
    energie = theme_id(members.a.tenant, "energie")
    assert client.post(f"/kring-a/members/themes/{energie}/deactivate").status_code == 302
    db.session.expire_all()
    with tenant_scope(members.a.tenant):
        assert not db.session.get(Theme, energie).active
    # A switched-off theme is no longer offered for companies, but nothing is deleted.
    form = page_text(client.get("/kring-a/members/companies/new"))
    assert f'name="theme_ids" type="checkbox" value="{energie}"' not in form
    assert "Energy" in page_text(client.get(f"/kring-a/members/companies/{members.alpha_id}"))
    assert client.post(f"/kring-a/members/themes/{energie}/reactivate").status_code == 302
    db.session.expire_all()
    with tenant_scope(members.a.tenant):
        assert db.session.get(Theme, energie).active
    assert audit_actions(members.a.tenant)[-2:] == ["theme.deactivated", "theme.reactivated"]


def test_move_up_and_down_with_and_without_htmx(members, login_as):
    client = login_as(members.a.admin)
    materialen = theme_id(members.a.tenant, "materialen")
    response = client.post(f"/kring-a/members/themes/{materialen}/move", data={"direction": "up"})
    assert response.status_code == 302
    assert keys_in_order(members.a.tenant)[:2] == ["materialen", "energie"]
    fragment = client.post(
        f"/kring-a/members/themes/{materialen}/move",
        data={"direction": "down"},
        headers={"HX-Request": "true", "HX-Request-Type": "partial"},
    )
    assert fragment.status_code == 200
    text = page_text(fragment).strip()
    assert text.startswith('<div id="theme-list">') and "<html" not in text
    assert keys_in_order(members.a.tenant)[:2] == ["energie", "materialen"]
    # The refreshed list shows the new order.
    order = re.findall(r"<code>([a-z-]+)</code>", text)
    assert order[:2] == ["energie", "materialen"]
    assert (
        client.post(f"/kring-a/members/themes/{materialen}/move", data={"direction": "left"}).status_code
        == 400
    )
    assert keys_in_order(members.b.tenant)[:2] == ["energie", "materialen"]
    assert audit_actions(members.a.tenant).count("theme.reordered") == 2


def test_theme_page_shows_companies_and_plugin_activity(members, login_as):
    energie = theme_id(members.a.tenant, "energie")
    client = login_as(members.a.member)
    response = client.get(f"/kring-a/members/themes/{energie}")
    assert response.status_code == 200
    text = page_text(response)
    assert "Energy" in text and "Alpha Bouw BV" in text and "Anker Zorg" not in text
    assert "Dummy notes" not in text and "Nothing has happened on this theme yet." in text
    enable_plugin(members.a.tenant, "dummy")
    db.session.commit()
    text = page_text(client.get(f"/kring-a/members/themes/{energie}"))
    assert "Dummy notes" in text
    # Tenant B has not enabled the plugin.
    client.post("/account/logout")
    other = login_as(members.b.member)
    b_energie = theme_id(members.b.tenant, "energie")
    assert "Dummy notes" not in page_text(other.get(f"/kring-b/members/themes/{b_energie}"))
    assert other.get(f"/kring-b/members/themes/{energie}").status_code == 404
    assert other.get(f"/kring-a/members/themes/{energie}").status_code == 404


def test_another_tenants_theme_cannot_be_changed(members, login_as):
    energie = theme_id(members.a.tenant, "energie")
    client = login_as(members.b.admin)
    assert client.post(f"/kring-b/members/themes/{energie}/deactivate").status_code == 404
    assert (
        client.post(f"/kring-b/members/themes/{energie}/move", data={"direction": "down"}).status_code == 404
    )
    assert client.post(f"/kring-b/members/themes/{energie}/edit", data={"name_nl": "Weg"}).status_code == 404
    db.session.expire_all()
    with tenant_scope(members.a.tenant):
        theme = db.session.scalar(select(Theme).where(Theme.id == energie))
        assert (theme.active, theme.name_nl, theme.position) == (True, "Energie", 1)
