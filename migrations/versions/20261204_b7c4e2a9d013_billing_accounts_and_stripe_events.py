"""billing: a billing account per tenant and the Stripe events received

``billing_accounts`` holds a tenant's Stripe customer, its subscription as Stripe last
reported it, and a plan an operator may give it for free (kringwerk/billing). Row-level
security as on every tenant table. ``stripe_events`` records each webhook event once by its
id; it has no tenant (the event arrives before its tenant is known), so no policy.

Revision ID: b7c4e2a9d013
Revises: 79846491576c
Create Date: 2026-12-04 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'b7c4e2a9d013'
down_revision = '79846491576c'
branch_labels = None
depends_on = None


# The same condition as kringwerk/tenancy/rls.py and 4e9f79c92eb9.
CONDITION = (
    "current_setting('app.unscoped', true) = 'on' "
    "OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::integer"
)


def upgrade():
    op.create_table('billing_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stripe_customer_id', sa.String(length=255), nullable=True),
    sa.Column('stripe_subscription_id', sa.String(length=255), nullable=True),
    sa.Column('plan_key', sa.String(length=40), nullable=True),
    sa.Column('interval', sa.String(length=8), nullable=True),
    sa.Column('status', sa.String(length=40), nullable=True),
    sa.Column('current_period_end', sa.DateTime(), nullable=True),
    sa.Column('cancel_at_period_end', sa.Boolean(), nullable=False),
    sa.Column('past_due_since', sa.DateTime(), nullable=True),
    sa.Column('state_as_of', sa.DateTime(), nullable=True),
    sa.Column('comped_plan', sa.String(length=40), nullable=True),
    sa.Column('comped_at', sa.DateTime(), nullable=True),
    sa.Column('comped_by_id', sa.Integer(), nullable=True),
    sa.Column('comp_note', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['comped_by_id'], ['users.id'], name=op.f('fk_billing_accounts_comped_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_billing_accounts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_accounts')),
    sa.UniqueConstraint('stripe_customer_id', name=op.f('uq_billing_accounts_stripe_customer_id')),
    sa.UniqueConstraint('tenant_id', name='uq_billing_accounts_tenant_id'),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_billing_accounts_tenant_id_id'))
    )
    with op.batch_alter_table('billing_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_accounts_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('stripe_events',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('processed_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_events'))
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE billing_accounts ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE billing_accounts FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON billing_accounts USING ({CONDITION}) WITH CHECK ({CONDITION})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS tenant_isolation ON billing_accounts")
    op.drop_table('stripe_events')
    with op.batch_alter_table('billing_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_accounts_tenant_id'))

    op.drop_table('billing_accounts')
