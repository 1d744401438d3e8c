"""The tenant home (dashboard for members, public page for everyone else),
plugin cards and navigation following the plugin's state, and the landing
page listing a user's organisations."""

from __future__ import annotations

import pytest

from kringwerk.accounts.models import Role
from kringwerk.accounts.people import add_membership
from kringwerk.extensions import db
from kringwerk.pluginhost.services import disable_plugin, enable_plugin
from kringwerk.tenancy import tenant_scope
from kringwerk.tenants.services import create_tenant
from tests.support.dummy_plugin.models import DummyNote
from tests.web.conftest import count_queries, page


def dummy_card(shell) -> bool:
    return bool(shell.find("section", class_="card", data_plugin="dummy"))


def dummy_nav(shell) -> bool:
    return bool(shell.find("a", href="/kring-a/dummy/"))


def test_visitor_sees_the_public_page(client, dummy_on):
    response = client.get("/kring-a/")
    assert response.status_code == 200
    shell = page(response)
    assert "Kring A" in shell.text
    assert shell.find("a", href="/account/login?next=/kring-a/")
    assert not dummy_card(shell) and not shell.find("div", class_="cards")


def test_member_of_another_tenant_sees_the_public_page(client, dummy_on, login_as):
    login_as(dummy_on.b.admin)
    shell = page(client.get("/kring-a/"))
    assert "You are not a member of Kring A." in shell.text
    assert not dummy_card(shell) and not dummy_nav(shell)


def test_member_sees_the_enabled_plugins_card_and_nav_item(client, dummy_on, login_as):
    with tenant_scope(dummy_on.a.tenant):
        db.session.add_all([DummyNote(text="one"), DummyNote(text="two")])
        db.session.commit()
    login_as(dummy_on.a.member)
    shell = page(client.get("/kring-a/"))
    assert dummy_card(shell)
    assert "Dummy card" in shell.text
    assert "2 dummy notes" in shell.text  # the card's own template, with its context
    assert dummy_nav(shell)
    assert client.get("/kring-a/dummy/").status_code == 200


def test_disabled_plugin_vanishes_everywhere(client, dummy_on, login_as):
    disable_plugin(dummy_on.a.tenant, "dummy", actor=dummy_on.a.admin)
    db.session.commit()
    login_as(dummy_on.a.member)
    shell = page(client.get("/kring-a/"))
    assert not dummy_card(shell) and not dummy_nav(shell)
    assert "Dummy card" not in shell.text
    assert client.get("/kring-a/dummy/").status_code == 404
    # Enabled again: back, with its data kept.
    enable_plugin(dummy_on.a.tenant, "dummy", actor=dummy_on.a.admin)
    db.session.commit()
    shell = page(client.get("/kring-a/"))
    assert dummy_card(shell) and dummy_nav(shell)


def test_plugin_enabled_in_one_tenant_stays_out_of_the_other(client, dummy_on, login_as):
    login_as(dummy_on.b.member)
    shell = page(client.get("/kring-b/"))
    assert not shell.find("section", class_="card", data_plugin="dummy")
    assert not shell.find("a", href="/kring-b/dummy/")
    assert client.get("/kring-b/dummy/").status_code == 404


def test_dashboard_without_cards_shows_the_empty_state(client, world, login_as):
    login_as(world.a.member)
    shell = page(client.get("/kring-a/"))
    assert shell.find("div", class_="empty-state")


@pytest.mark.both_databases
def test_dashboard_query_count_does_not_grow_with_data(
    client, app, dummy_on, login_as, database_backend, monkeypatch
):
    monkeypatch.setattr("kringwerk.web.home.minute_now", lambda: 0)  # no minute passes here
    login_as(dummy_on.a.member)
    client.get("/kring-a/")  # warm up
    with tenant_scope(dummy_on.a.tenant):
        db.session.add(DummyNote(text="one note"))
        db.session.commit()
    # The first request after a write builds the home's content anew.
    with count_queries(app) as few:
        assert client.get("/kring-a/").status_code == 200
    with tenant_scope(dummy_on.a.tenant):
        db.session.add_all([DummyNote(text=f"note {i}") for i in range(40)])
        db.session.commit()
    with count_queries(app) as many:
        assert client.get("/kring-a/").status_code == 200
    assert len(many) == len(few)
    assert len(few) <= 8, few
    with count_queries(app) as kept:  # until the next write, the content is kept
        assert client.get("/kring-a/").status_code == 200
    assert len(kept) < len(few)
    assert not [s for s in kept if "dummy_notes" in s or "audit_entries" in s], kept


def test_landing_lists_the_users_organisations(client, world, login_as):
    third = create_tenant("kring-c", "Kring C", "municipality")
    with tenant_scope(third):
        add_membership(third, world.a.member, Role.MUNICIPALITY)
        db.session.flush()
    db.session.commit()
    login_as(world.a.member)
    shell = page(client.get("/"))
    links = shell.find("ul", class_="organisations")
    assert links
    assert shell.find("a", href="/kring-a/") and shell.find("a", href="/kring-c/")
    assert not shell.find("a", href="/kring-b/")
    text = shell.text
    assert text.index("Kring A") < text.index("Kring C")


def test_landing_for_outsiders_and_visitors(client, world, login_as):
    visitor = page(client.get("/"))
    assert visitor.find("a", class_="button", href="/account/login")
    login_as(world.outsider)
    outsider = page(client.get("/"))
    assert outsider.find("div", class_="empty-state")
    assert not outsider.find("a", href="/kring-a/")


def test_landing_query_count_does_not_grow_with_memberships(client, app, world, login_as):
    from kringwerk.tenancy import cache

    login_as(world.outsider)
    client.get("/")
    cache.forget_all(app)  # both counts of the first request after a write: nothing kept
    with count_queries(app) as none:
        client.get("/")
    for number in range(5):
        tenant = create_tenant(f"kring-x{number}", f"Kring X{number}", "association")
        with tenant_scope(tenant):
            add_membership(tenant, world.outsider, Role.MEMBER)
            db.session.flush()
    db.session.commit()
    cache.forget_all(app)
    with count_queries(app) as five:
        shell = page(client.get("/"))
    assert len(shell.find("li", class_="card")) == 5
    assert len(five) == len(none)
