"""masterplan: one head again after three revisions made side by side

The park implementation plans, the links between projects, goals and events,
and the seeded priority rounds each branched from the published versions; this
revision joins them and changes nothing.

Revision ID: d5e8f0a1b2c3
Revises: eff6e086d349, 7a3e5c91d2b4, c4d7e1a9b3f2
Create Date: 2026-12-04 22:10:00

"""

# revision identifiers, used by Alembic.
revision = 'd5e8f0a1b2c3'
down_revision = ('eff6e086d349', '7a3e5c91d2b4', 'c4d7e1a9b3f2')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
