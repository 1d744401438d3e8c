"""The panel moves from the polls plugin to the core: rows of ``poll_panel_members``
arrive in ``panel_members`` per tenant (who, since when, who left), new rows still
get fresh ids, and rolling the polls branch back returns the rows to its table;
on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from kringwerk import create_app
from kringwerk.extensions import db
from kringwerk.members import panel
from kringwerk.members.models import Company, ContactPerson, PanelMember
from kringwerk.tenancy import cache, tenant_scope, unscoped
from tests.conftest import base_config
from tests.migrations.test_migrations import empty_database  # noqa: F401 - the fixture

BEFORE_THE_MOVE = "b7e4c2d9f031"  # the polls branch with its own panel table
JOINED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
LEFT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _rows(tenant) -> set[tuple]:
    with tenant_scope(tenant):
        return {
            (contact.email, row.joined_at, row.left_at)
            for row, contact in db.session.execute(
                select(PanelMember, ContactPerson).join(
                    ContactPerson, ContactPerson.id == PanelMember.contact_person_id
                )
            )
        }


def _tenant_before_the_move(slug: str) -> int:
    """A tenant row as the schema then had it (the model has columns added since); its id."""
    now = datetime.now(UTC).replace(tzinfo=None)
    db.session.execute(
        text(
            "INSERT INTO tenants (slug, name, kind, default_locale, timezone, brand_colour, created_at, updated_at)"
            " VALUES (:slug, :name, 'association', 'nl', 'Europe/Amsterdam', '#1f5f8b', :now, :now)"
        ),
        {"slug": slug, "name": slug.title(), "now": now},
    )
    return db.session.scalar(text("SELECT id FROM tenants WHERE slug = :slug"), {"slug": slug})


def test_panel_rows_survive_the_move(tmp_path, empty_database):  # noqa: F811
    app = create_app(base_config(tmp_path, empty_database), environ={})
    # Rows are written through the session at a revision before ``cache_stamps``: an app
    # without a process cache renews no stamp (nothing here keeps anything).
    app.extensions.pop(cache.EXTENSION_KEY)
    with app.app_context():
        upgrade(revision=BEFORE_THE_MOVE)
        assert not inspect(db.engine).has_table("panel_members")
        tenants = [_tenant_before_the_move(slug) for slug in ("kring-a", "kring-b")]
        db.session.commit()
        contacts = {}
        for tenant, emails in zip(
            tenants, (("anna@a.test", "arie@a.test", "nina@a.test"), ("bram@b.test",)), strict=True
        ):
            with tenant_scope(tenant):
                company = Company(name=f"Bedrijf {tenant}")
                company.contacts = [ContactPerson(name=email, email=email) for email in emails]
                db.session.add(company)
                db.session.flush()
                contacts.update((c.email, (tenant, c.id)) for c in company.contacts)
        db.session.commit()
        old = [("anna@a.test", None), ("arie@a.test", LEFT), ("bram@b.test", None)]  # nina: never on it
        with unscoped("test: rows of the old table, written before the move"):
            for email, left in old:
                tenant_id, contact_id = contacts[email]
                db.session.execute(
                    text(
                        "INSERT INTO poll_panel_members (tenant_id, contact_person_id, joined_at, left_at)"
                        " VALUES (:tenant_id, :contact_id, :joined, :left)"
                    ),
                    {
                        "tenant_id": tenant_id,
                        "contact_id": contact_id,
                        "joined": JOINED.replace(tzinfo=None),
                        "left": left.replace(tzinfo=None) if left else None,
                    },
                )
            db.session.commit()
        db.session.remove()

        upgrade(revision="heads")
        assert not inspect(db.engine).has_table("poll_panel_members")
        expected_a = {("anna@a.test", JOINED, None), ("arie@a.test", JOINED, LEFT)}
        assert _rows(tenants[0]) == expected_a
        assert _rows(tenants[1]) == {("bram@b.test", JOINED, None)}  # each tenant keeps its own
        with tenant_scope(tenants[0]):
            # A new row after the copied ones gets an id of its own (the sequence moved on).
            panel.join(db.session.get(ContactPerson, contacts["nina@a.test"][1]))
            db.session.commit()
            assert len(set(db.session.scalars(select(PanelMember.id)))) == 3
        db.session.remove()

        downgrade(revision=BEFORE_THE_MOVE)  # the polls branch takes its rows back
        with unscoped("test: the old table after rolling back"), db.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT set_config('app.unscoped', 'on', false)"))
            back = connection.execute(
                text("SELECT tenant_id, contact_person_id, left_at IS NULL FROM poll_panel_members")
            ).all()
        assert sorted(back) == sorted(
            [(*contacts[e], left is None) for e, left in old] + [(*contacts["nina@a.test"], True)]
        )
        upgrade(revision="heads")
        assert _rows(tenants[1]) == {("bram@b.test", JOINED, None)}
        db.session.remove()
        db.engine.dispose()
