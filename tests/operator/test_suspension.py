"""Suspending and reactivating a tenant: the services (reason required, audit trail in
that tenant only), the operator's pages (confirmation, 404 for everyone else), and what
suspension does: a notice on every page, every change refused with 423 (core forms,
answering a poll by personal link, a guest's event sign-up, accepting an invitation),
periodic jobs skipped, while tenant B goes on working; reactivating restores it all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kringwerk.accounts.models import Invitation, Membership, Role
from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db, utcnow
from kringwerk.jobs.periodic import find_periodic_job, tenants_for, tick
from kringwerk.members.models import Circle
from kringwerk.operator.suspension import SuspensionError, reactivate_tenant, suspend_tenant
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Tenant
from kringwerk.tokens.primitives import new_token
from plugins.events.models import Audience, Registration
from plugins.polls.models import Poll, PollResponse, PollState
from tests.plugins.events.conftest import make_event
from tests.plugins.polls.conftest import make_poll, polls_world  # noqa: F401 - a fixture
from tests.plugins.polls.test_answering import invite, questions, valid_values
from tests.support.dummy_plugin import hooks as dummy_hooks

HTMX = {"HX-Request": "true"}


def suspend(tenant, reason="Invoices unpaid since March", actor=None):
    suspend_tenant(db.session.get(Tenant, tenant.id), reason, actor=actor)
    db.session.commit()


def reactivate(tenant, actor=None):
    reactivate_tenant(db.session.get(Tenant, tenant.id), actor=actor)
    db.session.commit()


def fresh(tenant) -> Tenant:
    """The tenant row as the database holds it now (requests ran in their own sessions)."""
    db.session.expire_all()
    return db.session.get(Tenant, tenant.id)


def trail(tenant) -> list[tuple[str, dict]]:
    with tenant_scope(tenant):
        return [
            (entry.action, entry.details)
            for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def circles(tenant) -> list[str]:
    with tenant_scope(tenant):
        return list(db.session.scalars(select(Circle.name).order_by(Circle.name)))


# --- the services ------------------------------------------------------------------------


@pytest.mark.both_databases
def test_suspend_records_the_reason_in_that_tenant_only(world):
    suspend(world.a.tenant, actor=world.operator)
    tenant = db.session.get(Tenant, world.a.tenant.id)
    assert tenant.is_suspended and tenant.suspended_reason == "Invoices unpaid since March"
    assert ("tenant.suspended", {"reason": "Invoices unpaid since March"}) in trail(world.a.tenant)
    with tenant_scope(world.a.tenant):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tenant.suspended"))
        assert entry.actor_id == world.operator.id
    assert not fresh(world.b.tenant).is_suspended
    assert all(action != "tenant.suspended" for action, _ in trail(world.b.tenant))


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_suspend_needs_a_reason_of_sensible_length(world, reason):
    with pytest.raises(SuspensionError) as refused:
        suspend_tenant(db.session.get(Tenant, world.a.tenant.id), reason, actor=world.operator)
    assert refused.value.field == "reason"
    db.session.rollback()
    assert not fresh(world.a.tenant).is_suspended
    assert all(action != "tenant.suspended" for action, _ in trail(world.a.tenant))


def test_suspend_twice_and_reactivating_an_active_tenant_are_refused(world):
    suspend(world.a.tenant, reason="First reason")
    with pytest.raises(SuspensionError):
        suspend_tenant(db.session.get(Tenant, world.a.tenant.id), "Second reason", actor=None)
    db.session.rollback()
    assert fresh(world.a.tenant).suspended_reason == "First reason"
    with pytest.raises(SuspensionError):
        reactivate_tenant(db.session.get(Tenant, world.b.tenant.id), actor=None)


def test_reactivate_clears_the_suspension_and_keeps_the_reason_in_the_trail(world):
    suspend(world.a.tenant)
    reactivate_tenant(db.session.get(Tenant, world.a.tenant.id), actor=world.operator, note="Paid in full")
    db.session.commit()
    tenant = db.session.get(Tenant, world.a.tenant.id)
    assert not tenant.is_suspended and tenant.suspended_reason is None
    assert trail(world.a.tenant)[-1] == (
        "tenant.reactivated",
        {"reason": "Invoices unpaid since March", "note": "Paid in full"},
    )


# --- the operator's pages ----------------------------------------------------------------


@pytest.mark.parametrize("action", ["suspend", "reactivate"])
def test_only_operators_reach_the_suspension_pages(world, client, login_as, action):
    if action == "reactivate":
        suspend(world.a.tenant)
    url = f"/operator/tenants/{world.a.tenant.id}/{action}"
    assert client.get(url).status_code == 404
    for user in (world.a.admin, world.b.admin, world.outsider):
        login_as(user)
        assert client.get(url).status_code == 404
        assert client.post(url, data={"reason": "Mine now", "note": ""}).status_code == 404
    # Nothing changed for anyone but an operator.
    assert fresh(world.a.tenant).is_suspended == (action == "reactivate")


def test_operator_confirms_suspension_with_a_reason(world, login_as):
    client = login_as(world.operator)
    detail = client.get(f"/operator/tenants/{world.a.tenant.id}/").get_data(as_text=True)
    assert 'data-status="active"' in detail
    assert f'action="/operator/tenants/{world.a.tenant.id}/suspend"' in detail  # a GET to the confirmation
    page = client.get(f"/operator/tenants/{world.a.tenant.id}/suspend")
    assert page.status_code == 200
    assert "Suspend Kring A?" in page.get_data(as_text=True)
    assert not fresh(world.a.tenant).is_suspended  # GET changes nothing

    missing = client.post(f"/operator/tenants/{world.a.tenant.id}/suspend", data={"reason": " "})
    assert missing.status_code == 422
    assert 'id="reason-error"' in missing.get_data(as_text=True)
    assert "Give the reason for the suspension." in missing.get_data(as_text=True)
    assert not fresh(world.a.tenant).is_suspended

    done = client.post(f"/operator/tenants/{world.a.tenant.id}/suspend", data={"reason": "Abuse report"})
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/operator/tenants/{world.a.tenant.id}/")
    detail = client.get(f"/operator/tenants/{world.a.tenant.id}/").get_data(as_text=True)
    assert 'data-status="suspended"' in detail and "Abuse report" in detail
    assert ("tenant.suspended", {"reason": "Abuse report"}) in trail(world.a.tenant)
    assert not fresh(world.b.tenant).is_suspended
    # The operator's platform log shows it, with the reason.
    log = client.get("/operator/audit/?action=tenant.suspended").get_data(as_text=True)
    assert "Tenant suspended" in log and "Abuse report" in log and "Kring B" not in log

    # The list shows the status and filters on it.
    listed = client.get("/operator/?status=suspended").get_data(as_text=True)
    assert "Kring A" in listed and "Kring B" not in listed
    listed = client.get("/operator/?status=active").get_data(as_text=True)
    assert "Kring B" in listed and "Kring A" not in listed


def test_operator_reactivates_after_confirming(world, login_as):
    suspend(world.a.tenant)
    client = login_as(world.operator)
    page = client.get(f"/operator/tenants/{world.a.tenant.id}/reactivate").get_data(as_text=True)
    assert "Reactivate Kring A?" in page and "Invoices unpaid since March" in page
    assert fresh(world.a.tenant).is_suspended
    done = client.post(f"/operator/tenants/{world.a.tenant.id}/reactivate", data={"note": ""})
    assert done.status_code == 302
    assert not fresh(world.a.tenant).is_suspended
    assert trail(world.a.tenant)[-1] == ("tenant.reactivated", {"reason": "Invoices unpaid since March"})
    # Asking again for an active tenant: back to its page, nothing recorded.
    again = client.post(f"/operator/tenants/{world.a.tenant.id}/reactivate", data={"note": ""})
    assert again.status_code == 302
    assert [action for action, _ in trail(world.a.tenant)].count("tenant.reactivated") == 1


# --- what a suspended tenant does --------------------------------------------------------


def test_every_page_shows_the_notice_in_english_and_dutch(world, client, login_as):
    suspend(world.a.tenant)
    member = login_as(world.a.member)
    home = member.get("/kring-a/").get_data(as_text=True)
    assert 'id="suspended-notice"' in home and "Kring A is suspended." in home
    assert "Invoices unpaid since March" not in home  # the reason is for the board
    admin = login_as(world.a.admin)
    assert "Invoices unpaid since March" in admin.get("/kring-a/").get_data(as_text=True)
    assert "suspended-notice" not in login_as(world.b.admin).get("/kring-b/").get_data(as_text=True)
    admin = login_as(world.a.admin)
    admin.post("/language", data={"language": "nl", "next": "/kring-a/"})
    dutch = admin.get("/kring-a/members/").get_data(as_text=True)
    assert "Kring A is geschorst." in dutch and "Reden" in dutch


@pytest.mark.both_databases
def test_a_core_form_is_refused_and_nothing_changes_while_b_works(world, login_as):
    suspend(world.a.tenant)
    client = login_as(world.a.admin)
    assert client.get("/kring-a/members/circles/new").status_code == 200  # reading still works
    refused = client.post("/kring-a/members/circles/new", data={"name": "Kring Noord"})
    assert refused.status_code == 423
    text = refused.get_data(as_text=True)
    assert "No changes possible" in text and "Kring A is suspended" in text
    assert circles(world.a.tenant) == []
    # An htmx request gets the short alert in the alert region, not a whole page.
    fragment = client.post("/kring-a/members/circles/new", data={"name": "Kring Noord"}, headers=HTMX)
    assert fragment.status_code == 423 and fragment.headers["HX-Retarget"] == "#htmx-alerts"
    assert "<html" not in fragment.get_data(as_text=True)
    # Even the operator changes nothing inside a suspended tenant.
    operator = login_as(world.operator)
    assert operator.post("/kring-a/members/circles/new", data={"name": "Kring Noord"}).status_code == 423
    assert circles(world.a.tenant) == []

    b = login_as(world.b.admin)
    assert b.post("/kring-b/members/circles/new", data={"name": "Kring Zuid"}).status_code == 302
    assert circles(world.b.tenant) == ["Kring Zuid"]

    reactivate(world.a.tenant)
    client = login_as(world.a.admin)
    assert client.post("/kring-a/members/circles/new", data={"name": "Kring Noord"}).status_code == 302
    assert circles(world.a.tenant) == ["Kring Noord"]


def test_answering_a_poll_by_personal_link_is_refused(client, polls_world):  # noqa: F811
    w = polls_world
    poll_a = make_poll(w.a.tenant)
    poll_b = make_poll(w.b.tenant, title="Poll of tenant B")
    token_a = invite(
        w.a.tenant,
        poll_a,
        "bert@berends.test",
        w.company_ids["Bakkerij Berends"],
        w.contact_ids["bert@berends.test"],
    )
    token_b = invite(w.b.tenant, poll_b, "bram@bravo.test", w.b_company_id, w.b_contact_id)
    suspend(w.a.tenant)
    url_a = f"/kring-a/polls/{poll_a}/a/{token_a}"
    page = client.get(url_a)
    assert page.status_code == 200 and "suspended-notice" in page.get_data(as_text=True)
    data = valid_values(questions(w.a.tenant, poll_a))
    data["submit"] = "1"
    assert client.post(url_a, data=data).status_code == 423
    assert client.post(url_a + "/draft", data=data, headers=HTMX).status_code == 423
    with tenant_scope(w.a.tenant):
        assert db.session.scalar(select(func.count(PollResponse.id))) == 0

    data_b = valid_values(questions(w.b.tenant, poll_b))
    data_b["submit"] = "1"
    assert client.post(f"/kring-b/polls/{poll_b}/a/{token_b}", data=data_b).status_code == 303
    with tenant_scope(w.b.tenant):
        assert db.session.scalar(select(func.count(PollResponse.id))) == 1

    reactivate(w.a.tenant)
    assert client.post(url_a, data=data).status_code == 303
    with tenant_scope(w.a.tenant):
        assert db.session.scalar(select(func.count(PollResponse.id))) == 1


def test_a_guest_event_sign_up_is_refused(client, world):
    for side in (world.a, world.b):
        enable_plugin(side.tenant, "events")
    db.session.commit()
    event_a = make_event(world.a.tenant, audience=Audience.PUBLIC, capacity=10)
    event_b = make_event(world.b.tenant, audience=Audience.PUBLIC, capacity=10)
    suspend(world.a.tenant)
    guest = {"name": "Gerda Gast", "email": "gerda@gastbedrijf.nl"}
    assert client.get(f"/kring-a/events/{event_a}").status_code == 200
    assert client.post(f"/kring-a/events/{event_a}/signup", data=guest).status_code == 423
    with tenant_scope(world.a.tenant):
        assert db.session.scalar(select(func.count(Registration.id))) == 0
    assert client.post(f"/kring-b/events/{event_b}/signup", data=guest).status_code in (200, 303)
    with tenant_scope(world.b.tenant):
        assert db.session.scalar(select(func.count(Registration.id))) == 1


def test_an_invitation_into_a_suspended_tenant_cannot_be_accepted(world, login_as):
    raw, digest = new_token()
    with tenant_scope(world.a.tenant):
        db.session.add(
            Invitation(
                email=world.outsider.email,
                role=Role.MEMBER,
                token_hash=digest,
                invited_by_id=world.a.admin.id,
                expires_at=utcnow() + timedelta(days=7),
            )
        )
        db.session.commit()
    suspend(world.a.tenant)
    client = login_as(world.outsider)
    assert client.get(f"/account/invitations/{raw}").status_code == 200
    assert client.post(f"/account/invitations/{raw}").status_code == 423
    with tenant_scope(world.a.tenant):
        assert db.session.scalar(select(Membership.id).where(Membership.user_id == world.outsider.id)) is None
    reactivate(world.a.tenant)
    assert client.post(f"/account/invitations/{raw}").status_code == 302
    with tenant_scope(world.a.tenant):
        assert db.session.scalar(select(Membership.id).where(Membership.user_id == world.outsider.id))


def test_signing_in_still_works(world, client):
    suspend(world.a.tenant)
    response = client.post(
        "/account/login",
        data={"email": world.a.member.email, "password": world.password, "next": "/kring-a/"},
    )
    assert response.status_code == 302
    assert client.get("/kring-a/").status_code == 200


# --- periodic jobs -----------------------------------------------------------------------


@pytest.mark.both_databases
def test_periodic_jobs_skip_a_suspended_tenant(world, app):
    for side in (world.a, world.b):
        enable_plugin(side.tenant, "dummy")
    db.session.commit()
    suspend(world.a.tenant)
    assert tenants_for(find_periodic_job("dummy.count_notes")) == [world.b.tenant.id]
    dummy_hooks.calls.clear()  # the dummy plugin's record of its calls lives as long as the module
    report = tick(app, ["dummy.count_notes"])
    assert report.ran == [f"dummy.count_notes@t{world.b.tenant.id}"]
    assert dummy_hooks.calls == [("periodic", world.b.tenant.id)]

    reactivate(world.a.tenant)
    dummy_hooks.calls.clear()
    assert sorted(tick(app, ["dummy.count_notes"]).ran) == sorted(
        f"dummy.count_notes@t{side.tenant.id}" for side in (world.a, world.b)
    )


def test_a_suspended_tenants_polls_are_not_closed_or_reminded(world, app):
    for side in (world.a, world.b):
        enable_plugin(side.tenant, "polls")
    db.session.commit()
    past = utcnow() - timedelta(minutes=1)
    poll_a = make_poll(world.a.tenant, opens_at=past - timedelta(days=7), closes_at=past)
    poll_b = make_poll(world.b.tenant, opens_at=past - timedelta(days=7), closes_at=past)
    suspend(world.a.tenant)
    report = tick(app, ["polls.close_due", "polls.scheduled_reminders"])
    assert all(label.endswith(f"@t{world.b.tenant.id}") for label in report.ran + report.skipped)
    assert not report.failed
    with tenant_scope(world.a.tenant):
        assert db.session.get(Poll, poll_a).state == PollState.OPEN
    with tenant_scope(world.b.tenant):
        assert db.session.get(Poll, poll_b).state == PollState.CLOSED
