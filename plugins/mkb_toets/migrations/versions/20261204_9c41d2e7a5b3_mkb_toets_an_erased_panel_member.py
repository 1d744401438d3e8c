"""mkb-toets: an erased panel member's seat stays, anonymous

A contact person erased on request (AVG) leaves their seat without the person: the
seat's ``contact_person_id`` may be NULL, so the verdicts and burden figures keep
counting. No new table, so no new row-level security.

Revision ID: 9c41d2e7a5b3
Revises: 03115047e7d5
Create Date: 2026-12-04 21:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '9c41d2e7a5b3'
down_revision = '03115047e7d5'
branch_labels = None
depends_on = None

# SQLite's batch mode copies the table; reflecting the tables its keys point to
# (companies, with an expression index) is not needed for that and only warns.
NO_REFERRED_TABLES = {"resolve_fks": False}


def upgrade():
    with op.batch_alter_table('mkb_panel_seats', schema=None, reflect_kwargs=NO_REFERRED_TABLES) as batch_op:
        batch_op.alter_column('contact_person_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # Anonymous seats cannot get a person back: they go (their feedback with them),
    # in every tenant (row-level security applies to the owner too).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT set_config('app.unscoped', 'on', true)")
    op.execute("DELETE FROM mkb_panel_seats WHERE contact_person_id IS NULL")
    with op.batch_alter_table('mkb_panel_seats', schema=None, reflect_kwargs=NO_REFERRED_TABLES) as batch_op:
        batch_op.alter_column('contact_person_id', existing_type=sa.Integer(), nullable=False)
