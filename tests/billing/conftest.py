"""Billing tests run against the local Stripe stand-in (tests/support/stripe_standin.py) with
the real stripe SDK, and plans of their own: a free plan without modules and a paid one with
the dummy plugin and polls."""

from __future__ import annotations

import pytest

from kringwerk.extensions import db
from kringwerk.pluginhost.models import TenantPlugin
from kringwerk.tenancy.context import tenant_scope
from tests.billing.helpers import PLANS
from tests.conftest import base_config
from tests.support.dummy_plugin.models import DummyNote
from tests.support.stripe_standin import SECRET_KEY, WEBHOOK_SECRET, StandInServer


@pytest.fixture
def standin():
    with StandInServer() as running:
        yield running


@pytest.fixture
def app_config(tmp_path, database_url, standin):
    return base_config(
        tmp_path,
        database_url,
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=standin.url,
        BILLING_PLANS=PLANS,
    )


@pytest.fixture
def with_dummy(world):
    """The dummy plugin enabled in both tenants (as it was before billing was switched on),
    with a note of its own in each; returns the note ids by tenant slug."""
    notes = {}
    for side in (world.a, world.b):
        with tenant_scope(side.tenant):
            db.session.add(TenantPlugin(key="dummy", settings={}))
            note = DummyNote(text=f"note of {side.tenant.slug}")
            db.session.add(note)
            db.session.flush()
            notes[side.tenant.slug] = note.id
    db.session.commit()
    return notes
