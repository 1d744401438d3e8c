"""The audience of a poll: every filter, the panel, other tenants' ids refused,
the bounded counts, and the audience page (permissions, live counts, the
invitation list, anonymity) with tenant B kept out."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from kringwerk.extensions import db, utcnow
from kringwerk.members import panel
from kringwerk.members.models import BusinessPark, Circle, ContactPerson
from kringwerk.tenancy import tenant_scope
from plugins.polls import audience, invitations
from plugins.polls.audience import AudienceError
from plugins.polls.models import AudienceKind, Poll, PollInvitation
from tests.members.support import count_queries, page_text
from tests.plugins.polls.conftest import make_poll


def emails(tenant, kind=AudienceKind.ALL, **criteria) -> set[str]:
    with tenant_scope(tenant):
        draft = SimpleNamespace(audience=kind, audience_filter=criteria)
        return {row.email for row in db.session.execute(audience.audience_contacts(draft))}


def test_all_companies_means_every_contact_with_an_address(polls_world):
    assert emails(polls_world.a.tenant) == {
        "anna@alpha.test",
        "arie@alpha.test",
        "bert@berends.test",
        "carla@chemie.test",
        "dirk@dewit.test",
        "eva@elektro.test",
    }
    assert emails(polls_world.b.tenant) == {"bram@bravo.test"}


def test_each_filter_narrows_the_companies(polls_world):
    a = polls_world.a.tenant
    parks, circles = polls_world.park_ids, polls_world.circle_ids
    assert emails(a, park_ids=[parks["De Wieken"]]) == {"dirk@dewit.test", "eva@elektro.test"}
    assert emails(a, circle_ids=[circles["Noord"]]) == {
        "anna@alpha.test",
        "arie@alpha.test",
        "bert@berends.test",
    }
    assert emails(a, sectors=["Industrie"]) == {"carla@chemie.test", "dirk@dewit.test"}
    assert emails(a, min_employees=20) == {
        "anna@alpha.test",
        "arie@alpha.test",
        "carla@chemie.test",
        "eva@elektro.test",
    }
    assert emails(a, max_employees=10) == {"bert@berends.test"}
    # Filters combine: Industrie on Aalsvoort is Chemie only.
    assert emails(a, park_ids=[parks["Aalsvoort"]], sectors=["Industrie"]) == {"carla@chemie.test"}


def test_the_panel_audience_is_its_active_members(polls_world):
    a = polls_world.a.tenant
    with tenant_scope(a):
        anna = db.session.get(ContactPerson, polls_world.contact_ids["anna@alpha.test"])
        eva = db.session.get(ContactPerson, polls_world.contact_ids["eva@elektro.test"])
        panel.join(anna)
        panel.join(eva)
        panel.leave(eva)
        db.session.commit()
    assert emails(a, AudienceKind.PANEL) == {"anna@alpha.test"}
    assert emails(polls_world.b.tenant, AudienceKind.PANEL) == set()


def test_set_audience_stores_a_clean_filter_and_audits(polls_world, poll_id):
    with tenant_scope(polls_world.a.tenant):
        poll = db.session.get(Poll, poll_id)
        values = {
            "park_ids": [str(polls_world.park_ids["Aalsvoort"])],
            "sectors": ["Bouw", ""],
            "min_employees": "5",
            "max_employees": None,
        }
        audience.set_audience(poll, "all", values, actor=polls_world.a.admin)
        db.session.commit()
        poll = db.session.get(Poll, poll_id)
        assert poll.audience_filter == {
            "park_ids": [polls_world.park_ids["Aalsvoort"]],
            "sectors": ["Bouw"],
            "min_employees": 5,
        }
        audience.set_audience(poll, AudienceKind.PANEL, values, actor=polls_world.a.admin)
        db.session.commit()
        assert db.session.get(Poll, poll_id).audience_filter == {}  # the panel takes no filter


def test_other_tenants_ids_and_nonsense_are_refused(polls_world, poll_id):
    with tenant_scope(polls_world.b.tenant):
        b_park = BusinessPark(name="Bravo Park")
        b_circle = Circle(name="Bravo Kring")
        db.session.add_all([b_park, b_circle])
        db.session.commit()
        b_ids = b_park.id, b_circle.id
    with tenant_scope(polls_world.a.tenant):
        poll = db.session.get(Poll, poll_id)
        with pytest.raises(AudienceError) as refused:
            audience.set_audience(
                poll,
                "all",
                {
                    "park_ids": [b_ids[0]],
                    "circle_ids": [b_ids[1]],
                    "sectors": ["Logistiek"],  # only tenant B has it
                    "min_employees": "50",
                    "max_employees": "10",
                },
            )
        errors = {key: str(value) for key, value in refused.value.errors.items()}
        assert errors == {
            "park_ids": "Choose business parks of this organisation.",
            "circle_ids": "Choose circles of this organisation.",
            "sectors": "Choose sectors that companies of this organisation have.",
            "max_employees": "The maximum must not be below the minimum.",
        }
        with pytest.raises(AudienceError, match="whole number"):
            audience.set_audience(poll, "all", {"min_employees": "many"})
        with pytest.raises(AudienceError, match="Choose from the list"):
            audience.set_audience(poll, "all", {"park_ids": ["x"]})
        with pytest.raises(AudienceError):
            audience.set_audience(poll, "everyone", {})
        db.session.rollback()
        assert db.session.get(Poll, poll_id).audience_filter == {}


@pytest.mark.both_databases  # EXISTS, DISTINCT counts and row-level security on PostgreSQL too
def test_summary_counts_companies_people_and_the_unreachable(polls_world, poll_id):
    with tenant_scope(polls_world.a.tenant):
        poll = db.session.get(Poll, poll_id)
        with count_queries() as statements:
            summary = audience.audience_summary(poll)
        assert (summary.companies, summary.people, summary.companies_without_email) == (6, 6, 1)
        assert len(statements) == 2
        poll.audience_filter = {"park_ids": [polls_world.park_ids["De Wieken"]]}
        summary = audience.audience_summary(poll)
        assert (summary.companies, summary.people, summary.companies_without_email) == (2, 2, 0)
        db.session.rollback()
    with tenant_scope(polls_world.b.tenant):
        b_poll = SimpleNamespace(audience=AudienceKind.ALL, audience_filter={})
        summary = audience.audience_summary(b_poll)
        assert (summary.companies, summary.people) == (1, 1)


# --- the page ------------------------------------------------------------------------------


def url(poll_id, slug="kring-a"):
    return f"/{slug}/polls/{poll_id}/audience"


def test_audience_page_permissions_and_tenant_wall(client, login_as, polls_world, poll_id, b_poll_id):
    assert client.get(url(poll_id)).status_code == 302  # sign in first
    login_as(polls_world.a.member)
    assert client.get(url(poll_id)).status_code == 403
    assert client.post(f"/kring-a/polls/{poll_id}/invitations/send").status_code == 403
    client.get("/account/logout")
    login_as(polls_world.a.facilitator)
    assert client.get(url(poll_id)).status_code == 200
    assert client.get(url(b_poll_id)).status_code == 404  # B's poll under A's prefix
    client.get("/account/logout")
    login_as(polls_world.b.admin)
    for path in (
        url(poll_id, "kring-b"),
        f"/kring-b/polls/{poll_id}/invitations/send",
        f"/kring-b/polls/{poll_id}/reminders/send",
        f"/kring-b/polls/{poll_id}/reminders/schedule",
    ):
        assert client.post(path, data={"audience": "all"}).status_code == 404, path
    assert client.get(url(poll_id)).status_code == 404  # A's page for B's admin
    assert client.get(url(b_poll_id, "kring-b")).status_code == 200


def test_saving_the_audience_and_refusing_bad_values(client, login_as, polls_world, poll_id):
    login_as(polls_world.a.admin)
    park = polls_world.park_ids["Aalsvoort"]
    response = client.post(
        url(poll_id), data={"audience": "all", "park_ids": [str(park)], "min_employees": "10"}
    )
    assert response.status_code == 303
    with tenant_scope(polls_world.a.tenant):
        assert db.session.get(Poll, poll_id).audience_filter == {"park_ids": [park], "min_employees": 10}
    page = page_text(client.get(url(poll_id)))
    assert "2 companies match." in page  # Alpha and Chemie
    assert "3 people with an e-mail address will be invited." in page
    bad = client.post(url(poll_id), data={"audience": "all", "park_ids": ["999999"], "max_employees": "7"})
    assert bad.status_code == 422
    text = page_text(bad)
    assert "Choose business parks of this organisation." in text
    assert 'value="7"' in text  # what was typed is kept
    with tenant_scope(polls_world.a.tenant):
        assert db.session.get(Poll, poll_id).audience_filter == {"park_ids": [park], "min_employees": 10}


def test_live_counts_fragment(client, login_as, polls_world, poll_id):
    login_as(polls_world.a.admin)
    headers = {"HX-Request": "true"}
    response = client.get(
        url(poll_id) + f"?audience=all&sectors=Industrie&park_ids={polls_world.park_ids['De Wieken']}",
        headers=headers,
    )
    assert response.status_code == 200
    text = page_text(response)
    assert text.strip().startswith('<div id="audience-summary"')
    assert "1 company matches." in text and "1 person with an e-mail address will be invited." in text
    assert client.get(url(poll_id) + "?audience=all&park_ids=abc", headers=headers).status_code == 422
    # Nothing was saved by looking.
    with tenant_scope(polls_world.a.tenant):
        assert db.session.get(Poll, poll_id).audience_filter == {}


def _invite_and_answer(polls_world, poll_id, answered: str):
    with tenant_scope(polls_world.a.tenant):
        poll = db.session.get(Poll, poll_id)
        invitations.create_invitations(poll)
        now = utcnow()
        for row in db.session.scalars(select(PollInvitation).where(PollInvitation.poll_id == poll_id)):
            row.sent_at = now
            if row.email == answered:
                row.responded_at = now
        db.session.commit()


def test_invitation_list_shows_status_but_never_for_anonymous_polls(client, login_as, polls_world):
    open_poll = make_poll(polls_world.a.tenant)
    anonymous = make_poll(polls_world.a.tenant, anonymous=True)
    _invite_and_answer(polls_world, open_poll, "bert@berends.test")
    _invite_and_answer(polls_world, anonymous, "bert@berends.test")
    login_as(polls_world.a.admin)
    text = page_text(client.get(url(open_poll)))
    assert "bert@berends.test" in text and "Responded" in text
    secret = page_text(client.get(url(anonymous)))
    assert "bert@berends.test" not in secret and "Bert" not in secret
    assert "only the counts above are shown" in secret
    # The response rate is still counted, in the poll's unit (rates.response_rate).
    assert "1 of 5 invited companies responded (20%)" in secret


def test_invitation_list_queries_do_not_grow_with_the_list(client, login_as, polls_world, poll_id):
    with tenant_scope(polls_world.a.tenant):
        db.session.get(Poll, poll_id).audience_filter = {"park_ids": [polls_world.park_ids["De Wieken"]]}
        db.session.commit()
    _invite_and_answer(polls_world, poll_id, "dirk@dewit.test")  # two invitations
    login_as(polls_world.a.admin)
    client.get(url(poll_id))
    with count_queries() as few:
        assert page_text(client.get(url(poll_id))).count("<tr>") == 3
    with tenant_scope(polls_world.a.tenant):
        # The same kind of filter (its names cost a query), now covering every contact.
        db.session.get(Poll, poll_id).audience_filter = {"park_ids": list(polls_world.park_ids.values())}
        db.session.commit()
    _invite_and_answer(polls_world, poll_id, "anna@alpha.test")  # six
    client.get(url(poll_id))  # the first request after a write builds what the core keeps
    with count_queries() as more:
        assert page_text(client.get(url(poll_id))).count("<tr>") == 7
    assert len(few) == len(more)


def test_the_polls_pages_lead_to_the_core_panel(client, login_as, polls_world):
    poll_id = make_poll(polls_world.a.tenant)
    login_as(polls_world.a.member)
    assert 'href="/kring-a/members/panel/"' in page_text(client.get("/kring-a/polls/"))
    assert client.get("/kring-a/polls/panel/").status_code == 404  # the plugin's own page is gone
    login_as(polls_world.a.admin)
    assert 'href="/kring-a/members/panel/"' in page_text(client.get(f"/kring-a/polls/{poll_id}/audience"))
    # Tenant B's member stays out of tenant A's polls altogether.
    login_as(polls_world.b.member)
    assert client.get("/kring-a/polls/").status_code == 404
