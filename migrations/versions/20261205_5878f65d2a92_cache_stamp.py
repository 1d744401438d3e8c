"""cache stamp: one row whose random value changes with what processes keep

Each process keeps the tenant of a slug and a tenant's enabled plugins
(kringwerk/tenancy/cache.py) and checks this stamp once per request; a transaction
that changes a tenant or its plugins writes a new random value. The first value is
random too, so no process's copies match a database they were not read from.

Revision ID: 5878f65d2a92
Revises: e1f2a3b4c5d6
Create Date: 2026-12-05 00:30:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5878f65d2a92'
down_revision = 'e1f2a3b4c5d6'
branch_labels = None
depends_on = None


def upgrade():
    stamps = op.create_table('cache_stamps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cache_stamps'))
    )
    op.bulk_insert(stamps, [{'id': 1, 'value': secrets.token_hex(16)}])


def downgrade():
    op.drop_table('cache_stamps')
