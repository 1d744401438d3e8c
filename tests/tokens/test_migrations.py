"""The answer links move from ``poll_invitations.token_hash`` to the token service
with the same hash: a link mailed before the upgrade still opens its invitation,
in its own tenant only (SQLite and PostgreSQL), and a downgrade puts it back."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from kringwerk import create_app
from kringwerk.extensions import db
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope, unscoped
from kringwerk.tenants.services import create_tenant
from kringwerk.tokens.primitives import hash_token, new_token
from kringwerk.tokens.services import resolve
from plugins.polls import answering
from plugins.polls.models import ANSWER_LINK, PollInvitation
from tests.conftest import base_config
from tests.migrations.test_migrations import empty_database  # noqa: F401 - the fixture
from tests.plugins.polls.conftest import make_poll

BEFORE_TOKEN_SERVICE = "a1480f166bee"  # polls, with the hash on the invitation


def test_old_invitation_links_resolve_after_the_upgrade(tmp_path, empty_database):  # noqa: F811
    app = create_app(base_config(tmp_path, empty_database), environ={})
    with app.app_context():
        upgrade(revision="heads")
        tenants = [create_tenant(slug, slug.title(), "association") for slug in ("kring-a", "kring-b")]
        db.session.commit()
        a, b = (tenant.id for tenant in tenants)
        invited = {}  # tenant id -> (poll id, invitation id)
        for tenant in tenants:
            enable_plugin(tenant, "polls")
            db.session.commit()
            poll_id = make_poll(tenant)
            with tenant_scope(tenant):
                invitation = PollInvitation(poll_id=poll_id, email=f"anna@{tenant.slug}.test")
                db.session.add(invitation)
                db.session.flush()
                invited[tenant.id] = (poll_id, invitation.id)
            db.session.commit()
        db.session.remove()

        downgrade(revision=BEFORE_TOKEN_SERVICE)
        raws = {}
        with unscoped("the test writes hashes as the old code stored them"), db.engine.begin() as connection:
            for tenant_id, (_poll_id, invitation_id) in invited.items():
                raws[tenant_id], digest = new_token()
                connection.execute(
                    text("UPDATE poll_invitations SET token_hash = :digest WHERE id = :id"),
                    {"digest": digest, "id": invitation_id},
                )
        upgrade(revision="heads")

        for tenant, other in ((a, b), (b, a)):
            poll_id, invitation_id = invited[tenant]
            raw = raws[tenant]
            with tenant_scope(tenant):
                assert answering.find_invitation(poll_id, raw).id == invitation_id
                token = resolve(ANSWER_LINK, raw)
                assert token.token_hash == hash_token(raw) and token.expires_at is None
            with tenant_scope(other):
                assert resolve(ANSWER_LINK, raw) is None
                assert answering.find_invitation(invited[other][0], raw) is None
        db.session.remove()

        downgrade(revision=BEFORE_TOKEN_SERVICE)
        with unscoped("the test reads the old column back"), db.engine.connect() as connection:
            stored = dict(connection.execute(text("SELECT id, token_hash FROM poll_invitations")).all())
        assert stored == {invited[t][1]: hash_token(raws[t]) for t in (a, b)}
        upgrade(revision="heads")
        with tenant_scope(a):
            assert answering.find_invitation(invited[a][0], raws[a]).id == invited[a][1]
        db.session.remove()
        db.engine.dispose()
