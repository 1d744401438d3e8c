"""tenant suspension: when and why the operator suspended a tenant

Two nullable columns on ``tenants``; a suspended tenant reads but accepts no
changes (see kringwerk/operator/suspension.py).

Revision ID: 5b8e0c6d1a2f
Revises: 79846491576c
Create Date: 2026-12-04 21:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8e0c6d1a2f'
down_revision = '79846491576c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('suspended_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('suspended_reason')
        batch_op.drop_column('suspended_at')
