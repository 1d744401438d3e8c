"""The token service: a personal link resolves only in its tenant, under its
purpose, while neither expired nor revoked; only the hash is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kringwerk.extensions import db, utcnow
from kringwerk.tenancy import tenant_scope, unscoped
from kringwerk.tenancy.context import TenantScopeError
from kringwerk.tokens.models import PersonalToken
from kringwerk.tokens.primitives import hash_token
from kringwerk.tokens.services import issue, live_tokens, mark_used, resolve, revoke

pytestmark = pytest.mark.both_databases


def test_a_token_resolves_in_its_tenant_under_its_purpose(world):
    with tenant_scope(world.a.tenant):
        raw = issue("polls.answer", 7)
        db.session.commit()
        token = resolve("polls.answer", raw)
        assert token is not None and token.subject_id == 7 and token.tenant_id == world.a.tenant.id
        assert resolve("panel.opt_out", raw) is None
        assert resolve("polls.answer", raw + "x") is None
        assert resolve("polls.answer", "") is None
    with tenant_scope(world.b.tenant):
        assert resolve("polls.answer", raw) is None


def test_only_the_hash_is_stored(world):
    with tenant_scope(world.a.tenant):
        raw = issue("polls.answer", 1)
        db.session.commit()
        row = db.session.scalar(select(PersonalToken))
        assert row.token_hash == hash_token(raw) and len(raw) >= 40
        stored = [str(getattr(row, column.key)) for column in PersonalToken.__table__.columns]
        assert not any(raw in value for value in stored)


def test_expired_and_revoked_tokens_resolve_to_nothing(world):
    with tenant_scope(world.a.tenant):
        expired = issue("polls.answer", 1, expires_at=utcnow() - timedelta(seconds=1))
        short = issue("polls.answer", 2, ttl=timedelta(hours=1))
        first, second = issue("panel.opt_out", 3), issue("panel.opt_out", 3)
        kept = issue("polls.answer", 3)
        db.session.commit()
        assert resolve("polls.answer", expired) is None
        assert resolve("polls.answer", short).expires_at > utcnow()

        assert revoke("panel.opt_out", 3) == 2
        db.session.commit()
        assert resolve("panel.opt_out", first) is None and resolve("panel.opt_out", second) is None
        assert resolve("polls.answer", kept) is not None, "another purpose's token of the same id stays"
        assert revoke("panel.opt_out", 3) == 0
        assert [t.subject_id for t in live_tokens("polls.answer", 3)] == [3]


def test_revoking_in_one_tenant_leaves_the_other_alone(world):
    with tenant_scope(world.a.tenant):
        in_a = issue("panel.opt_out", 5)
        db.session.commit()
    with tenant_scope(world.b.tenant):
        in_b = issue("panel.opt_out", 5)
        db.session.commit()
        assert revoke("panel.opt_out", 5) == 1
        db.session.commit()
        assert resolve("panel.opt_out", in_b) is None
    with tenant_scope(world.a.tenant):
        assert resolve("panel.opt_out", in_a) is not None


def test_a_used_token_still_resolves_unless_single_use(world):
    with tenant_scope(world.a.tenant):
        raw = issue("events.confirm", 9)
        db.session.commit()
        mark_used(resolve("events.confirm", raw))
        db.session.commit()
        used_at = resolve("events.confirm", raw).used_at
        assert used_at is not None
        assert resolve("events.confirm", raw, single_use=True) is None
        mark_used(resolve("events.confirm", raw))
        assert resolve("events.confirm", raw).used_at == used_at, "the first use is kept"
    with tenant_scope(world.b.tenant):
        assert resolve("events.confirm", raw) is None


def test_a_token_needs_a_tenant_and_one_expiry(world):
    with pytest.raises(TenantScopeError):
        issue("polls.answer", 1)
    with unscoped("the test checks that an unscoped issue is refused"), pytest.raises(TenantScopeError):
        issue("polls.answer", 1)
    with tenant_scope(world.a.tenant), pytest.raises(ValueError):
        issue("polls.answer", 1, ttl=timedelta(days=1), expires_at=utcnow())
