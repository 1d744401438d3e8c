"""grants for the app role: the app connects as a role that owns nothing

The migrations run as the schema's owner; the app connects as another role
(``KRINGWERK_APP_ROLE``, default ``kringwerk_app``) that is neither superuser nor
BYPASSRLS, so row-level security binds it. That role gets only what the app does
with rows: SELECT, INSERT, UPDATE, DELETE on every table and the sequences behind
the ids, now and (through default privileges) on tables later migrations create.
No DDL, no TRUNCATE, and the migration history only to read. PostgreSQL only;
where the role does not exist this says so and grants nothing (see
deploy/README.md for creating it).

Revision ID: 79846491576c
Revises: 461f07526311
Create Date: 2026-12-04 19:00:00.000000

"""
import logging
import os

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '79846491576c'
down_revision = '461f07526311'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
ROWS = "SELECT, INSERT, UPDATE, DELETE"


def _app_role():
    """The quoted app role, or None when there is nothing to grant to."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    name = os.environ.get("KRINGWERK_APP_ROLE", "kringwerk_app")
    row = bind.execute(
        sa.text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :name"), {"name": name}
    ).first()
    if row is None:
        log.warning("role %s does not exist: no grants made (see deploy/README.md)", name)
        return None
    if row.rolsuper or row.rolbypassrls:
        log.warning("role %s is superuser or BYPASSRLS: row-level security does not bind it", name)
    return bind.dialect.identifier_preparer.quote(name)


def upgrade():
    role = _app_role()
    if role is None:
        return
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    op.execute(f"GRANT {ROWS} ON ALL TABLES IN SCHEMA public TO {role}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}")
    # Tables and sequences the migrating role creates later (plugins' included).
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {ROWS} ON TABLES TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}")


def downgrade():
    role = _app_role()
    if role is None:
        return
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE {ROWS} ON TABLES FROM {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM {role}")
    op.execute(f"REVOKE {ROWS} ON ALL TABLES IN SCHEMA public FROM {role}")
    op.execute(f"REVOKE USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public FROM {role}")
