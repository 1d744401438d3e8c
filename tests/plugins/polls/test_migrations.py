"""The polls migrations: the running counts (``poll_tallies``) arrive with the
counts of the answers already stored, per tenant, on SQLite and on PostgreSQL."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade

from kringwerk import create_app
from kringwerk.extensions import db
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenants.services import create_tenant
from tests.conftest import base_config
from tests.migrations.test_migrations import empty_database  # noqa: F401 - the fixture
from tests.plugins.polls.conftest import make_poll
from tests.plugins.polls.test_results import MULTIPLE, NUMBER, SINGLE, THEMES, add_response
from tests.plugins.polls.test_tallies import snapshot

BEFORE_TALLIES = "fe1d0ea98dd8"


def test_the_counts_migration_counts_answers_stored_before_it(tmp_path, empty_database):  # noqa: F811
    app = create_app(base_config(tmp_path, empty_database), environ={})
    with app.app_context():
        upgrade(revision="heads")
        tenants = [create_tenant(slug, slug.title(), "association") for slug in ("kring-a", "kring-b")]
        db.session.commit()
        polls = {}
        for index, tenant in enumerate(tenants):
            enable_plugin(tenant, "polls")
            db.session.commit()
            polls[tenant.id] = make_poll(tenant)
            for single, chosen, number in (("Ja", ["Glasvezel", "Laadpalen"], 12), ("Nee", ["Glasvezel"], 7))[
                : index + 1
            ]:
                add_response(
                    tenant,
                    polls[tenant.id],
                    {SINGLE: single, MULTIPLE: chosen, NUMBER: number, THEMES: [2, 1, 0]},
                )
        counted = {tenant.id: snapshot(tenant, polls[tenant.id]) for tenant in tenants}
        assert counted[tenants[0].id] and counted[tenants[0].id] != counted[tenants[1].id]
        db.session.remove()

        downgrade(revision=BEFORE_TALLIES)
        upgrade(revision="heads")
        for tenant in tenants:
            assert snapshot(tenant, polls[tenant.id]) == counted[tenant.id]
        db.session.remove()
        db.engine.dispose()
