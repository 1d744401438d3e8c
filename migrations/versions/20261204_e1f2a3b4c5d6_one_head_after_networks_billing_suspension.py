"""one head again after networks, billing and tenant suspension

The three revisions were made side by side from the app role's grants; this one
joins them and changes nothing.

Revision ID: e1f2a3b4c5d6
Revises: 3a9c4e7b2d18, b7c4e2a9d013, 5b8e0c6d1a2f
Create Date: 2026-12-04 22:20:00

"""

# revision identifiers, used by Alembic.
revision = 'e1f2a3b4c5d6'
down_revision = ('3a9c4e7b2d18', 'b7c4e2a9d013', '5b8e0c6d1a2f')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
