"""personal tokens

One table for every personal link (poll answers, panel opt-out, ...): the
SHA-256 of a random token, bound to a tenant, a purpose and a subject,
expiring and revocable. Row-level security as on every tenant table.

Revision ID: 7c1d2e3f4a5b
Revises: f59c02ca0a94
Create Date: 2026-12-04 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1d2e3f4a5b'
down_revision = 'f59c02ca0a94'
branch_labels = None
depends_on = None


# The same condition as kringwerk/tenancy/rls.py and 4e9f79c92eb9.
CONDITION = (
    "current_setting('app.unscoped', true) = 'on' "
    "OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::integer"
)


def upgrade():
    op.create_table('personal_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=80), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_personal_tokens_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_tokens')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_personal_tokens_tenant_id_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_personal_tokens_token_hash'))
    )
    with op.batch_alter_table('personal_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_personal_tokens_tenant_purpose_subject', ['tenant_id', 'purpose', 'subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_personal_tokens_tenant_id'), ['tenant_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE personal_tokens ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE personal_tokens FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON personal_tokens USING ({CONDITION}) WITH CHECK ({CONDITION})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS tenant_isolation ON personal_tokens")
    with op.batch_alter_table('personal_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personal_tokens_tenant_id'))
        batch_op.drop_index('ix_personal_tokens_tenant_purpose_subject')

    op.drop_table('personal_tokens')
