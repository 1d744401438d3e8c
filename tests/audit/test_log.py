"""The audit log pages: a tenant's own trail for its board, and every tenant's
for the operator - with labels, times in the tenant's zone, filters and pages."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime

from kringwerk.extensions import db
from tests.audit.conftest import MOMENT, add_entries

TENANT_LOG = "/kring-a/admin/audit/"


def shown(moment, zone: str) -> str:
    """``moment`` as an English page shows it in ``zone`` (medium, without seconds), ending its ``<time>`` element."""
    return format_datetime(moment, "MMM d, y, h:mm\u202fa", tzinfo=ZoneInfo(zone), locale="en") + "</time>"


def rows(page: str) -> str:
    """The table body of the log (the filter's list of actions names every label too)."""
    if "<tbody>" not in page:
        return ""
    return page[page.index("<tbody>") : page.index("</tbody>")]


# --- the tenant's own log ---------------------------------------------------------------


def test_admin_sees_the_trail_of_the_tenant_only(entries, login_as):
    page = login_as(entries.a.admin).get(TENANT_LOG).get_data(as_text=True)
    assert "Alpha BV" in page and "nieuw@example.com" in page
    assert "Bravo Geheim BV" not in page
    assert entries.a.admin.email in page and entries.a.facilitator.email in page


def test_actions_show_their_label_and_details(entries, login_as):
    add_entries(
        entries.a.tenant, entries.a.admin, ["poll.closed"], details={"fields": ["title", "closes_at"]}
    )
    page = rows(login_as(entries.a.admin).get(TENANT_LOG).get_data(as_text=True))
    assert "Company added" in page and "Member invited" in page
    assert ">company.created<" not in page
    assert "poll.closed" in page  # no label: the raw name
    assert "title, closes_at" in page


def test_times_are_shown_in_the_tenants_time_zone(entries, login_as):
    page = login_as(entries.a.admin).get(TENANT_LOG).get_data(as_text=True)
    # 12:00 UTC is 13:00 in Amsterdam and 07:00 in New York in January.
    amsterdam, new_york = shown(MOMENT, "Europe/Amsterdam"), shown(MOMENT, "America/New_York")
    assert amsterdam in page and new_york not in page
    entries.a.tenant.timezone = "America/New_York"
    db.session.commit()
    page = login_as(entries.a.admin).get(TENANT_LOG).get_data(as_text=True)
    assert new_york in page and amsterdam not in page


@pytest.mark.parametrize(
    ("user", "status"),
    [("facilitator", 403), ("member", 403), ("official", 403)],
)
def test_only_the_board_reads_the_log(entries, login_as, user, status):
    response = login_as(getattr(entries.a, user)).get(TENANT_LOG)
    assert response.status_code == status
    assert "Alpha BV" not in response.get_data(as_text=True)


def test_other_tenants_and_strangers_get_404(entries, client, login_as):
    assert client.get(TENANT_LOG).status_code == 302  # to the sign-in page
    assert login_as(entries.b.admin).get(TENANT_LOG).status_code == 404
    assert login_as(entries.outsider).get(TENANT_LOG).status_code == 404


def test_operator_reads_a_tenants_log(entries, login_as):
    page = login_as(entries.operator).get(TENANT_LOG).get_data(as_text=True)
    assert "Alpha BV" in page and "Bravo Geheim BV" not in page


def test_filter_on_action_and_actor(entries, login_as):
    client = login_as(entries.a.admin)
    page = client.get(TENANT_LOG + "?action=company.created").get_data(as_text=True)
    assert "Alpha BV" in page and "nieuw@example.com" not in page
    page = client.get(TENANT_LOG + "?action=member").get_data(as_text=True)  # a prefix
    assert "nieuw@example.com" in page and "Alpha BV" not in page
    page = client.get(TENANT_LOG + "?actor=FACILITATOR@").get_data(as_text=True)
    assert "nieuw@example.com" in page and "Alpha BV" not in page
    page = client.get(TENANT_LOG + "?action=company.deleted").get_data(as_text=True)
    assert "Bravo Geheim BV" not in page and "No entries match these filters." in page


def test_too_long_filter_is_a_clear_400(entries, login_as):
    response = login_as(entries.a.admin).get(TENANT_LOG + "?action=" + "x" * 81)
    assert response.status_code == 400
    assert 'id="action-error"' in response.get_data(as_text=True)


def test_log_paginates_newest_first_and_keeps_filters(entries, login_as, app):
    app.config["PAGE_SIZE"] = 2
    add_entries(
        entries.a.tenant,
        entries.a.admin,
        ["circle.created", "circle.updated", "circle.deleted"],
        start=MOMENT + timedelta(days=1),
    )
    client = login_as(entries.a.admin)
    first = client.get(TENANT_LOG + "?action=circle").get_data(as_text=True)
    assert "action=circle" in first and "page=2" in first
    first = rows(first)
    assert "Circle deleted" in first and "Circle changed" in first and "Circle added" not in first
    assert first.index("Circle deleted") < first.index("Circle changed")
    second = rows(client.get(TENANT_LOG + "?action=circle&page=2").get_data(as_text=True))
    assert "Circle added" in second and "Circle deleted" not in second


def test_actions_without_a_person_are_by_the_system(world, login_as):
    page = rows(login_as(world.b.admin).get("/kring-b/admin/audit/").get_data(as_text=True))
    assert "Tenant created" in page and "System" in page


def test_tenant_log_query_count_is_constant(app, entries, login_as, count_queries):
    # The page as built after a write (data kept per process would hide its statements).
    app.config["KEEP_PAGE_DATA"] = False
    client = login_as(entries.a.admin)
    client.get(TENANT_LOG)  # warm: the process keeps the tenant and its plugins (tenancy.cache)
    with count_queries() as before:
        client.get(TENANT_LOG)
    add_entries(entries.a.tenant, entries.a.admin, ["park.created"] * 10, start=MOMENT + timedelta(days=2))
    with count_queries() as after:
        client.get(TENANT_LOG)
    assert len(after) == len(before)


# --- the operator's log -----------------------------------------------------------------


@pytest.mark.both_databases
def test_operator_sees_every_tenant_with_its_name(entries, login_as):
    page = login_as(entries.operator).get("/operator/audit/").get_data(as_text=True)
    assert "Alpha BV" in page and "Bravo Geheim BV" in page
    assert "Kring A" in page and "Kring B" in page


@pytest.mark.both_databases
def test_operator_filters_on_tenant_action_and_actor(entries, login_as):
    client = login_as(entries.operator)
    page = client.get("/operator/audit/?tenant=kring-b").get_data(as_text=True)
    assert "Bravo Geheim BV" in page and "Alpha BV" not in page
    page = client.get("/operator/audit/?tenant=ring a").get_data(as_text=True)  # part of a name
    assert "Alpha BV" in page and "Bravo Geheim BV" not in page
    page = client.get("/operator/audit/?action=company").get_data(as_text=True)
    assert "Alpha BV" in page and "Bravo Geheim BV" in page and "nieuw@example.com" not in page
    page = client.get(f"/operator/audit/?actor={entries.b.admin.email}").get_data(as_text=True)
    assert "Bravo Geheim BV" in page and "Alpha BV" not in page


def test_operator_log_shows_each_entry_in_its_tenants_zone(entries, login_as):
    entries.b.tenant.timezone = "Asia/Tokyo"
    db.session.commit()
    page = login_as(entries.operator).get("/operator/audit/").get_data(as_text=True)
    assert shown(MOMENT, "Asia/Tokyo") in page  # tenant B: 12:00 UTC is 21:00 in Tokyo
    assert shown(MOMENT, "Europe/Amsterdam") in page  # tenant A: 13:00 in Amsterdam


def test_operator_log_paginates_with_filters(entries, login_as, app):
    app.config["PAGE_SIZE"] = 1
    page = login_as(entries.operator).get("/operator/audit/?action=company").get_data(as_text=True)
    assert "Page 1 of 2" in page and "action=company" in page


def test_operator_log_query_count_is_constant(entries, login_as, count_queries):
    client = login_as(entries.operator)
    with count_queries() as before:
        client.get("/operator/audit/")
    add_entries(entries.b.tenant, entries.b.admin, ["park.created"] * 10, start=MOMENT + timedelta(days=3))
    with count_queries() as after:
        client.get("/operator/audit/")
    assert len(after) == len(before)
