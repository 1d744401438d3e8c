"""polls: answer links in the token service

An invitation's link token moves from ``poll_invitations.token_hash`` to the
core's ``personal_tokens`` (purpose ``polls.answer``, subject = the invitation),
with the same SHA-256, so every link already mailed keeps working. The column
goes. Downgrading puts the oldest live token of each invitation back (one hash
per invitation fits the old column; an invitation without one gets a
placeholder no token hashes to).

Revision ID: b7e4c2d9f031
Revises: a1480f166bee
Create Date: 2026-12-04 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e4c2d9f031'
down_revision = 'a1480f166bee'
branch_labels = None
depends_on = '7c1d2e3f4a5b'

# SQLite rebuilds the table; reading only it (not the tables its keys point at)
# spares the reflection of the companies' expression index, which SQLite cannot read.
KEEP_REFERENCES = {"resolve_fks": False}
PURPOSE = "polls.answer"  # plugins/polls/models.py: ANSWER_LINK (repeated: a migration must not change with the code)


def upgrade():
    op.execute(sa.text(
        "INSERT INTO personal_tokens (tenant_id, purpose, subject_id, token_hash, created_at)"
        " SELECT tenant_id, :purpose, id, token_hash, created_at FROM poll_invitations ORDER BY id"
    ).bindparams(purpose=PURPOSE))
    with op.batch_alter_table('poll_invitations', schema=None, reflect_kwargs=KEEP_REFERENCES) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_poll_invitations_token_hash'), type_='unique')
        batch_op.drop_column('token_hash')


def downgrade():
    with op.batch_alter_table('poll_invitations', schema=None, reflect_kwargs=KEEP_REFERENCES) as batch_op:
        batch_op.add_column(sa.Column('token_hash', sa.String(length=64), nullable=True))
    op.execute(sa.text(
        "UPDATE poll_invitations SET token_hash = coalesce("
        " (SELECT t.token_hash FROM personal_tokens t"
        "  WHERE t.purpose = :purpose AND t.tenant_id = poll_invitations.tenant_id"
        "  AND t.subject_id = poll_invitations.id AND t.revoked_at IS NULL"
        "  ORDER BY t.id LIMIT 1),"
        " 'none-' || CAST(id AS VARCHAR(20)))"
    ).bindparams(purpose=PURPOSE))
    op.execute(sa.text("DELETE FROM personal_tokens WHERE purpose = :purpose").bindparams(purpose=PURPOSE))
    with op.batch_alter_table('poll_invitations', schema=None, reflect_kwargs=KEEP_REFERENCES) as batch_op:
        batch_op.alter_column('token_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_poll_invitations_token_hash'), ['token_hash'])
