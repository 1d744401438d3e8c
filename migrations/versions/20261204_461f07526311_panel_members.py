"""panel members: the entrepreneurs' panel moves from polls to the core

``panel_members`` takes over from the polls plugin's ``poll_panel_members``:
where that table exists its rows are copied here (same ids, so the trail still
matches); the polls branch drops it in 7ed4664e7b9e, which depends on this
revision. Row-level security as on every tenant table.

Revision ID: 461f07526311
Revises: 7c1d2e3f4a5b
Create Date: 2026-12-04 18:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '461f07526311'
down_revision = '7c1d2e3f4a5b'
branch_labels = None
depends_on = None


# The same condition as kringwerk/tenancy/rls.py and 4e9f79c92eb9.
CONDITION = (
    "current_setting('app.unscoped', true) = 'on' "
    "OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::integer"
)
COLUMNS = "id, tenant_id, contact_person_id, joined_at, left_at"


def upgrade():
    op.create_table('panel_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_person_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.Column('left_at', sa.DateTime(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'contact_person_id'], ['contact_persons.tenant_id', 'contact_persons.id'], name=op.f('fk_panel_members_tenant_id_contact_person_id_contact_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_panel_members_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_members')),
    sa.UniqueConstraint('tenant_id', 'contact_person_id', name=op.f('uq_panel_members_tenant_id_contact_person_id')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_panel_members_tenant_id_id'))
    )
    op.create_index(op.f('ix_panel_members_tenant_id'), 'panel_members', ['tenant_id'], unique=False)

    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("ALTER TABLE panel_members ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE panel_members FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON panel_members USING ({CONDITION}) WITH CHECK ({CONDITION})")
    if "poll_panel_members" in sa.inspect(op.get_bind()).get_table_names():
        if postgresql:
            # Both tables admit every tenant's rows only when the transaction runs unscoped.
            op.execute("SELECT set_config('app.unscoped', 'on', true)")
        op.execute(f"INSERT INTO panel_members ({COLUMNS}) SELECT {COLUMNS} FROM poll_panel_members")
        if postgresql:
            op.execute(
                "SELECT setval(pg_get_serial_sequence('panel_members', 'id'),"
                " coalesce((SELECT max(id) FROM panel_members), 0) + 1, false)"
            )


def downgrade():
    # The polls branch copies the rows back when it recreates its table (7ed4664e7b9e).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS tenant_isolation ON panel_members")
    op.drop_table('panel_members')  # its index goes with it
