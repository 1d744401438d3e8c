"""Pruning dead personal links: tokens expired or revoked over a month ago go, in every
tenant; live ones and the recently dead stay (a link that just stopped working can still
be looked up)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from kringwerk.extensions import db, utcnow
from kringwerk.jobs.periodic import core_periodic_jobs
from kringwerk.tenancy import tenant_scope
from kringwerk.tokens.jobs import DEAD_TOKEN_RETENTION, prune_dead_tokens
from kringwerk.tokens.models import PersonalToken
from kringwerk.tokens.services import issue, resolve

pytestmark = pytest.mark.both_databases


def _issue_kinds(tenant) -> dict[str, str]:
    """One token of each kind in ``tenant``; returns kind -> raw token."""
    now = utcnow()
    long_ago = now - DEAD_TOKEN_RETENTION - timedelta(days=1)
    lately = now - DEAD_TOKEN_RETENTION + timedelta(days=1)
    with tenant_scope(tenant):
        raws = {
            "live": issue("polls.answer", 1),
            "live_until_later": issue("polls.answer", 2, ttl=timedelta(days=90)),
            "expired_long_ago": issue("polls.answer", 3, expires_at=long_ago),
            "expired_lately": issue("polls.answer", 4, expires_at=lately),
            "revoked_long_ago": issue("panel.opt_out", 5),
            "revoked_lately": issue("panel.opt_out", 6),
        }
        db.session.flush()
        db.session.execute(
            update(PersonalToken).where(PersonalToken.subject_id == 5).values(revoked_at=long_ago)
        )
        db.session.execute(
            update(PersonalToken).where(PersonalToken.subject_id == 6).values(revoked_at=lately)
        )
        db.session.commit()
    return raws


def _subjects(tenant) -> set[int]:
    with tenant_scope(tenant):
        return set(db.session.scalars(select(PersonalToken.subject_id)))


def test_dead_tokens_go_after_a_month_in_every_tenant_and_live_ones_stay(world):
    _issue_kinds(world.a.tenant)
    raws_b = _issue_kinds(world.b.tenant)

    assert prune_dead_tokens() == 4
    db.session.commit()

    for tenant in (world.a.tenant, world.b.tenant):
        assert _subjects(tenant) == {1, 2, 4, 6}
    with tenant_scope(world.b.tenant):
        assert resolve("polls.answer", raws_b["live"]) is not None
        assert resolve("polls.answer", raws_b["live_until_later"]) is not None
    with tenant_scope(world.a.tenant):
        assert resolve("polls.answer", raws_b["live"]) is None, "still never across tenants"
    assert prune_dead_tokens() == 0


def test_the_pruning_is_a_daily_platform_job():
    job = next(job for job in core_periodic_jobs() if job.name == "tokens.prune_dead_tokens")
    assert job.func is prune_dead_tokens and job.cron and not job.per_tenant
