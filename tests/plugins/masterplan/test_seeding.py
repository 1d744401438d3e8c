"""A priority round that starts from a closed poll's theme interest (through the
``theme_interest`` hook, never an import of polls): the round keeps where its starting
order came from, that order stands until points are given and then breaks ties; a poll
below the small-group minimum cannot be chosen; with polls disabled nothing is offered;
tenant B neither sees nor can use A's poll, nor open A's seeded round."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db, utcnow
from kringwerk.pluginhost.services import disable_plugin, enable_plugin
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import rounds, seeding
from plugins.masterplan.changes import Invalid
from plugins.masterplan.models import Masterplan, PlanChange, PriorityRound
from plugins.polls.models import Poll, PollState
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_results import THEMES, add_response

TODAY = date(2026, 5, 1)
# Interest per response in make_poll's three themes (the tenant's first three):
# the third theme is wanted most, then the second, the first by nobody.
LEVELS = ([0, 1, 1], [0, 0, 2], [0, 1, 1], [0, 0, 1], [0, 0, 0])


def _closed_poll(tenant, title, responses) -> int:
    poll_id = make_poll(tenant, title=title)
    for levels in responses:
        add_response(tenant, poll_id, {THEMES: list(levels)})
    with tenant_scope(tenant):
        poll = db.session.get(Poll, poll_id)
        poll.state, poll.closed_at = PollState.CLOSED, utcnow()
        db.session.commit()
    return poll_id


@pytest.fixture
def polled(plan_world):
    """Polls on in both tenants; A has a closed poll of five respondents, B one of one."""
    w = plan_world
    for side in (w.a, w.b):
        enable_plugin(side.tenant, "polls")
    db.session.commit()
    poll_a = _closed_poll(w.a.tenant, "Samenwerken 2026", LEVELS)
    poll_b = _closed_poll(w.b.tenant, "Poll of tenant B", [[2, 2, 2]])
    return w, poll_a, poll_b


def _round(tenant, plan_id, actor, **values):
    return rounds.create_round(
        db.session.get(Masterplan, plan_id),
        {
            "title": "Voorjaar",
            "opens_on": "2026-04-01",
            "closes_on": "2026-06-30",
            "points_per_member": "10",
            **values,
        },
        actor=actor,
    )


@pytest.mark.both_databases
def test_a_round_starts_from_a_polls_theme_interest(polled):
    w, poll_a, poll_b = polled
    t1, t2, t3 = w.themes_a[:3]
    with tenant_scope(w.a.tenant):
        (source,) = seeding.sources(w.a.tenant)
        assert (source.source, source.label, source.respondents) == (f"polls:{poll_a}", "Samenwerken 2026", 5)
        row = _round(w.a.tenant, w.plan_a, w.a.admin, seed_source=source.source)
        assert row.seed["source"] == f"polls:{poll_a}"
        assert row.seed["label"] == "Samenwerken 2026" and row.seed["respondents"] == 5
        assert row.seed["counts"] == [
            {"theme_id": t3, "count": 4},
            {"theme_id": t2, "count": 2},
            {"theme_id": t1, "count": 0},
        ]
        # Before anyone gives points the starting order stands ...
        assert [entry["theme_id"] for entry in rounds.tally(row)][:3] == [t3, t2, t1]
        # ... points come first, and the poll breaks the tie between equal totals.
        rounds.allocate(row, w.a.member, {t1: 5, t2: 2, t3: 2}, today=TODAY)
        assert [entry["theme_id"] for entry in rounds.tally(row)][:3] == [t1, t3, t2]
        result = rounds.close_round(row, actor=w.a.admin)
        assert [entry["theme_id"] for entry in result][:3] == [t1, t3, t2]
        logged = db.session.scalar(
            select(PlanChange).where(PlanChange.entity == "round", PlanChange.action == "created")
        )
        assert logged.changes["seeded_from"] == "Samenwerken 2026"
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "masterplan.round_created"))
        assert audit.details == {"seeded_from": "Samenwerken 2026", "respondents": 5}
        # A round without a source keeps the taxonomy's order.
        plain = _round(w.a.tenant, w.plan_a, w.a.admin, seed_source="")
        assert plain.seed is None
        assert [entry["theme_id"] for entry in rounds.tally(plain)][:3] == [t1, t2, t3]
        round_id = row.id
        db.session.commit()
    with tenant_scope(w.b.tenant):
        # B's own poll is too small to give counts; A's poll does not exist for B.
        (own,) = seeding.sources(w.b.tenant)
        assert own.source == f"polls:{poll_b}" and own.withheld and dict(own.counts) == {}
        with pytest.raises(Invalid) as refused:
            _round(w.b.tenant, w.plan_b, w.b.admin, seed_source=f"polls:{poll_a}")
        assert "seed_source" in refused.value.errors
        with pytest.raises(Invalid) as refused:
            _round(w.b.tenant, w.plan_b, w.b.admin, seed_source=own.source)
        assert "Too few respondents" in str(refused.value.errors["seed_source"])
        assert db.session.get(PriorityRound, round_id) is None
        assert (
            db.session.scalar(select(AuditEntry).where(AuditEntry.action == "masterplan.round_created"))
            is None
        )


@pytest.mark.both_databases
def test_without_polls_nothing_is_offered_and_nothing_seeds(plan_world):
    w = plan_world
    enable_plugin(w.a.tenant, "polls")
    db.session.commit()
    poll_a = _closed_poll(w.a.tenant, "Samenwerken 2026", LEVELS)
    disable_plugin(w.a.tenant, "polls")
    db.session.commit()
    with tenant_scope(w.a.tenant):
        assert seeding.sources(w.a.tenant) == []
        with pytest.raises(Invalid) as refused:
            _round(w.a.tenant, w.plan_a, w.a.admin, seed_source=f"polls:{poll_a}")
        assert "seed_source" in refused.value.errors
        assert db.session.scalar(select(PriorityRound.id)) is None
    with tenant_scope(w.b.tenant):  # polls never enabled in B
        assert seeding.sources(w.b.tenant) == []


def test_the_board_starts_a_round_from_a_poll_on_the_page(polled, login_as):
    w, poll_a, _poll_b = polled
    today = date.today()
    client = login_as(w.a.admin)
    form = client.get(f"/kring-a/masterplan/{w.plan_a}/rounds/new").get_data(as_text=True)
    assert "Starting order" in form and f'value="polls:{poll_a}"' in form
    assert "Samenwerken 2026" in form and "5 respondents" in form
    created = client.post(
        f"/kring-a/masterplan/{w.plan_a}/rounds/new",
        data={
            "title": "Najaar",
            "opens_on": date(today.year - 1, 1, 1).isoformat(),
            "closes_on": date(today.year + 1, 1, 1).isoformat(),
            "points_per_member": "100",
            "seed_source": f"polls:{poll_a}",
        },
    )
    assert created.status_code == 303
    url = created.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "This round started from the theme interest in “Samenwerken 2026”" in page
    assert "4 companies interested" in page
    # An unknown source is refused next to the field and creates nothing.
    refused = client.post(
        f"/kring-a/masterplan/{w.plan_a}/rounds/new",
        data={
            "title": "Fout",
            "opens_on": "2026-01-01",
            "closes_on": "2026-02-01",
            "points_per_member": "100",
            "seed_source": "polls:999999",
        },
    )
    assert refused.status_code == 422
    assert "Choose one of the closed polls listed." in refused.get_data(as_text=True)
    client.post("/account/logout")
    login_as(w.b.admin)
    assert client.get(url).status_code == 404
    b_form = client.get(f"/kring-b/masterplan/{w.plan_b}/rounds/new").get_data(as_text=True)
    assert "Samenwerken 2026" not in b_form
    assert "too few respondents to use" in b_form  # B's own small poll, shown but not choosable
    with tenant_scope(w.a.tenant):
        assert [row.title for row in db.session.scalars(select(PriorityRound))] == ["Najaar"]


def test_the_round_form_has_no_source_field_without_polls(plan_world, login_as):
    w = plan_world
    client = login_as(w.a.admin)
    form = client.get(f"/kring-a/masterplan/{w.plan_a}/rounds/new").get_data(as_text=True)
    assert "seed_source" not in form
