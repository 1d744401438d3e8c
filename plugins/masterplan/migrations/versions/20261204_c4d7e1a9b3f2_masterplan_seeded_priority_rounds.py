"""masterplan: a priority round keeps where its starting order came from

A column on an existing tenant table: its row-level security policy stays as it is.

Revision ID: c4d7e1a9b3f2
Revises: bb82a83ebcd4
Create Date: 2026-12-04 21:40:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'c4d7e1a9b3f2'
down_revision = 'bb82a83ebcd4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('masterplan_rounds', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('seed', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True)
        )


def downgrade():
    with op.batch_alter_table('masterplan_rounds', schema=None) as batch_op:
        batch_op.drop_column('seed')
