"""data stamp: a second row of cache_stamps, renewed by every committed write

Each process keeps what pages derive from tenant data (kringwerk/tenancy/cache.py,
``remember``) under this stamp; every transaction that writes a row writes a new random
value. The first value is random, so no process's copies match another database.

Revision ID: a7d3c9e15b42
Revises: 5878f65d2a92
Create Date: 2026-12-05 03:00:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3c9e15b42'
down_revision = '5878f65d2a92'
branch_labels = None
depends_on = None


def upgrade():
    stamps = sa.table('cache_stamps', sa.column('id', sa.Integer), sa.column('value', sa.String))
    op.bulk_insert(stamps, [{'id': 2, 'value': secrets.token_hex(16)}])


def downgrade():
    op.execute("DELETE FROM cache_stamps WHERE id = 2")
