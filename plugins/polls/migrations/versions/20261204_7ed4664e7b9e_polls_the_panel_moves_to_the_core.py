"""polls: the entrepreneurs' panel moves to the core

The core's ``panel_members`` (461f07526311, on which this revision depends)
has copied the rows of ``poll_panel_members``; this drops the plugin's table.
Downgrading recreates it, with its row-level security, and copies the rows back.

Revision ID: 7ed4664e7b9e
Revises: b7e4c2d9f031
Create Date: 2026-12-04 18:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7ed4664e7b9e'
down_revision = 'b7e4c2d9f031'
branch_labels = None
depends_on = '461f07526311'

CONDITION = (
    "current_setting('app.unscoped', true) = 'on' "
    "OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::integer"
)
COLUMNS = "id, tenant_id, contact_person_id, joined_at, left_at"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS tenant_isolation ON poll_panel_members")
    # Dropping the table drops its index; no batch mode, which would reflect the tables on SQLite.
    op.drop_table('poll_panel_members')


def downgrade():
    op.create_table('poll_panel_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_person_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.Column('left_at', sa.DateTime(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'contact_person_id'], ['contact_persons.tenant_id', 'contact_persons.id'], name=op.f('fk_poll_panel_members_tenant_id_contact_person_id_contact_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_poll_panel_members_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_panel_members')),
    sa.UniqueConstraint('tenant_id', 'contact_person_id', name=op.f('uq_poll_panel_members_tenant_id_contact_person_id')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_poll_panel_members_tenant_id_id'))
    )
    op.create_index(op.f('ix_poll_panel_members_tenant_id'), 'poll_panel_members', ['tenant_id'], unique=False)

    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("ALTER TABLE poll_panel_members ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE poll_panel_members FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON poll_panel_members USING ({CONDITION}) WITH CHECK ({CONDITION})"
        )
        op.execute("SELECT set_config('app.unscoped', 'on', true)")
    op.execute(f"INSERT INTO poll_panel_members ({COLUMNS}) SELECT {COLUMNS} FROM panel_members")
    if postgresql:
        op.execute(
            "SELECT setval(pg_get_serial_sequence('poll_panel_members', 'id'),"
            " coalesce((SELECT max(id) FROM poll_panel_members), 0) + 1, false)"
        )
