"""masterplan: projects contribute to goals and link to events; goals count toward a network's

On PostgreSQL the tables get the row-level security policy of kringwerk/tenancy/rls.py.

Revision ID: 7a3e5c91d2b4
Revises: bb82a83ebcd4
Create Date: 2026-12-04 21:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '7a3e5c91d2b4'
down_revision = 'bb82a83ebcd4'
branch_labels = None
depends_on = None

CONDITION = (
    "current_setting('app.unscoped', true) = 'on' "
    "OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::integer"
)
TABLES = ('masterplan_project_goals', 'masterplan_project_events', 'masterplan_goal_contributions')


def upgrade():
    op.create_table('masterplan_project_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('linked_by_id', sa.Integer(), nullable=True),
    sa.Column('linked_at', sa.DateTime(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['linked_by_id'], ['users.id'], name=op.f('fk_masterplan_project_goals_linked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'goal_id'], ['masterplan_goals.tenant_id', 'masterplan_goals.id'], name=op.f('fk_masterplan_project_goals_tenant_id_goal_id_masterplan_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'project_id'], ['masterplan_projects.tenant_id', 'masterplan_projects.id'], name=op.f('fk_masterplan_project_goals_tenant_id_project_id_masterplan_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_masterplan_project_goals_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_masterplan_project_goals')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_masterplan_project_goals_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'project_id', 'goal_id', name='uq_masterplan_project_goals')
    )
    with op.batch_alter_table('masterplan_project_goals', schema=None) as batch_op:
        batch_op.create_index('ix_masterplan_project_goals_tenant_goal', ['tenant_id', 'goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_masterplan_project_goals_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('masterplan_project_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('linked_by_id', sa.Integer(), nullable=True),
    sa.Column('linked_at', sa.DateTime(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['linked_by_id'], ['users.id'], name=op.f('fk_masterplan_project_events_linked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'project_id'], ['masterplan_projects.tenant_id', 'masterplan_projects.id'], name=op.f('fk_masterplan_project_events_tenant_id_project_id_masterplan_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_masterplan_project_events_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_masterplan_project_events')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_masterplan_project_events_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'project_id', 'event_id', name='uq_masterplan_project_events')
    )
    with op.batch_alter_table('masterplan_project_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_masterplan_project_events_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('masterplan_goal_contributions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('network_tenant_id', sa.Integer(), nullable=False),
    sa.Column('network_goal_id', sa.Integer(), nullable=False),
    sa.Column('network_goal_title', sa.String(length=200), nullable=False),
    sa.Column('declared_by_id', sa.Integer(), nullable=True),
    sa.Column('declared_at', sa.DateTime(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['declared_by_id'], ['users.id'], name=op.f('fk_masterplan_goal_contributions_declared_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['network_tenant_id'], ['tenants.id'], name=op.f('fk_masterplan_goal_contributions_network_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'goal_id'], ['masterplan_goals.tenant_id', 'masterplan_goals.id'], name=op.f('fk_masterplan_goal_contributions_tenant_id_goal_id_masterplan_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_masterplan_goal_contributions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_masterplan_goal_contributions')),
    sa.UniqueConstraint('tenant_id', 'goal_id', 'network_goal_id', name='uq_masterplan_goal_contributions'),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_masterplan_goal_contributions_tenant_id_id'))
    )
    with op.batch_alter_table('masterplan_goal_contributions', schema=None) as batch_op:
        batch_op.create_index('ix_masterplan_goal_contributions_network', ['network_tenant_id', 'network_goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_masterplan_goal_contributions_tenant_id'), ['tenant_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_isolation ON {table} USING ({CONDITION}) WITH CHECK ({CONDITION})"
            )


def downgrade():
    with op.batch_alter_table('masterplan_goal_contributions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_masterplan_goal_contributions_tenant_id'))
        batch_op.drop_index('ix_masterplan_goal_contributions_network')
    op.drop_table('masterplan_goal_contributions')
    with op.batch_alter_table('masterplan_project_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_masterplan_project_events_tenant_id'))
    op.drop_table('masterplan_project_events')
    with op.batch_alter_table('masterplan_project_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_masterplan_project_goals_tenant_id'))
        batch_op.drop_index('ix_masterplan_project_goals_tenant_goal')
    op.drop_table('masterplan_project_goals')
