"""stored files: uploaded files kept per tenant

``stored_files`` holds one row per uploaded file (its bytes lie under
UPLOAD_DIR/files/<tenant id>/<storage_key>, see kringwerk/documents/services.py).
Row-level security as on every tenant table.

Revision ID: f59c02ca0a94
Revises: 20554ff0826f
Create Date: 2026-12-04 18:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f59c02ca0a94'
down_revision = '20554ff0826f'
branch_labels = None
depends_on = None


# The same condition as kringwerk/tenancy/rls.py and 4e9f79c92eb9.
CONDITION = (
    "current_setting('app.unscoped', true) = 'on' "
    "OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::integer"
)


def upgrade():
    op.create_table('stored_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_stored_files_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_stored_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_stored_files_storage_key')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_stored_files_tenant_id_id'))
    )
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_files_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stored_files_uploaded_by_id'), ['uploaded_by_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE stored_files ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE stored_files FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON stored_files USING ({CONDITION}) WITH CHECK ({CONDITION})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS tenant_isolation ON stored_files")
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_files_uploaded_by_id'))
        batch_op.drop_index(batch_op.f('ix_stored_files_tenant_id'))

    op.drop_table('stored_files')
