"""row-level security on tenant tables

PostgreSQL only: each tenant table admits just the rows of the tenant the
transaction runs as (app.tenant_id), or every row when it runs unscoped
(app.unscoped = on); see kringwerk/tenancy/rls.py, whose CONDITION this repeats.

Revision ID: 4e9f79c92eb9
Revises: 95d1b0d6a790
Create Date: 2026-11-23 16:18:01.482990

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '4e9f79c92eb9'
down_revision = '95d1b0d6a790'
branch_labels = None
depends_on = None


TABLES = (
    "affiliations",
    "audit_entries",
    "background_tasks",
    "business_parks",
    "circles",
    "companies",
    "company_circles",
    "company_themes",
    "contact_persons",
    "invitations",
    "memberships",
    "tenant_plugins",
    "themes",
)
CONDITION = (
    "current_setting('app.unscoped', true) = 'on' "
    "OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::integer"
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({CONDITION}) WITH CHECK ({CONDITION})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
