"""``poll_or_404`` goes through the session's one door: a poll of another tenant
that is already in the identity map is a 404, like a missing one."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope, unscoped
from plugins.polls.models import Poll
from plugins.polls.views import poll_or_404

pytestmark = pytest.mark.both_databases


def test_a_poll_of_another_tenant_in_the_identity_map_is_a_404(app, polls_world, poll_id, b_poll_id):
    with unscoped("test: both polls into the identity map"):
        polls = {p.id: p for p in db.session.scalars(select(Poll))}
    with app.test_request_context(), tenant_scope(polls_world.b.tenant):
        with pytest.raises(NotFound):
            poll_or_404(poll_id)
        assert poll_or_404(b_poll_id) is polls[b_poll_id]
    with app.test_request_context(), tenant_scope(polls_world.a.tenant):
        assert poll_or_404(poll_id) is polls[poll_id]
        with pytest.raises(NotFound):
            poll_or_404(b_poll_id)
