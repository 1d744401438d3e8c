"""networks: invitations, letters of intent, directory sharing

A network's invitation to an association's chair, letters of intent with their
versions, signatories by personal link and signatures (one per party and version),
an association's choice to share its directory, and a tenant's municipality.
Row-level security as on every tenant table.

Revision ID: 3a9c4e7b2d18
Revises: 79846491576c
Create Date: 2026-12-04 21:05:45.364840

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3a9c4e7b2d18'
down_revision = '79846491576c'
branch_labels = None
depends_on = None

TABLES = (
    'directory_sharing',
    'letters',
    'letter_signatories',
    'letter_versions',
    'network_invitations',
    'letter_signatures',
)

# The same condition as kringwerk/tenancy/rls.py and 4e9f79c92eb9.
CONDITION = (
    "current_setting('app.unscoped', true) = 'on' "
    "OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::integer"
)

def upgrade():
    op.create_table('directory_sharing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_directory_sharing_changed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_directory_sharing_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_sharing')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_directory_sharing_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_directory_sharing_tenant_id'))
    )
    with op.batch_alter_table('directory_sharing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_sharing_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_letters_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letters')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_letters_tenant_id_id'))
    )
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letters_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('letter_signatories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('function', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('mail_queued_at', sa.DateTime(), nullable=True),
    sa.Column('mailed_at', sa.DateTime(), nullable=True),
    sa.Column('mail_failed_at', sa.DateTime(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'letter_id'], ['letters.tenant_id', 'letters.id'], name=op.f('fk_letter_signatories_tenant_id_letter_id_letters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_letter_signatories_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_signatories')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_letter_signatories_tenant_id_id'))
    )
    with op.batch_alter_table('letter_signatories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_signatories_letter_id'), ['letter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_signatories_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('letter_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_name', sa.String(length=200), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_letter_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'letter_id'], ['letters.tenant_id', 'letters.id'], name=op.f('fk_letter_versions_tenant_id_letter_id_letters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_letter_versions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_versions')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_letter_versions_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'letter_id', 'number', name=op.f('uq_letter_versions_tenant_id_letter_id_number'))
    )
    with op.batch_alter_table('letter_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_versions_letter_id'), ['letter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_versions_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('network_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('affiliation_id', sa.Integer(), nullable=False),
    sa.Column('chair_name', sa.String(length=200), nullable=False),
    sa.Column('chair_email', sa.String(length=254), nullable=False),
    sa.Column('created_tenant', sa.Boolean(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('mail_queued_at', sa.DateTime(), nullable=True),
    sa.Column('mailed_at', sa.DateTime(), nullable=True),
    sa.Column('mail_failed_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_network_invitations_accepted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_network_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'affiliation_id'], ['affiliations.tenant_id', 'affiliations.id'], name=op.f('fk_network_invitations_tenant_id_affiliation_id_affiliations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_network_invitations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_invitations')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_network_invitations_tenant_id_id'))
    )
    with op.batch_alter_table('network_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_invitations_affiliation_id'), ['affiliation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_invitations_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('letter_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_version_id', sa.Integer(), nullable=False),
    sa.Column('party', sa.String(length=40), nullable=False),
    sa.Column('member_tenant_id', sa.Integer(), nullable=True),
    sa.Column('signatory_id', sa.Integer(), nullable=True),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('function', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_tenant_id'], ['tenants.id'], name=op.f('fk_letter_signatures_member_tenant_id_tenants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'letter_version_id'], ['letter_versions.tenant_id', 'letter_versions.id'], name=op.f('fk_letter_signatures_tenant_id_letter_version_id_letter_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_letter_signatures_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_letter_signatures_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_signatures')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_letter_signatures_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'letter_version_id', 'party', name=op.f('uq_letter_signatures_tenant_id_letter_version_id_party'))
    )
    with op.batch_alter_table('letter_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_signatures_letter_version_id'), ['letter_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_signatures_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('municipality', sa.String(length=200), nullable=True))

    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({CONDITION}) WITH CHECK ({CONDITION})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('municipality')

    with op.batch_alter_table('letter_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_signatures_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_letter_signatures_letter_version_id'))

    op.drop_table('letter_signatures')
    with op.batch_alter_table('network_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_invitations_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_network_invitations_affiliation_id'))

    op.drop_table('network_invitations')
    with op.batch_alter_table('letter_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_versions_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_letter_versions_letter_id'))

    op.drop_table('letter_versions')
    with op.batch_alter_table('letter_signatories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_signatories_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_letter_signatories_letter_id'))

    op.drop_table('letter_signatories')
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letters_tenant_id'))

    op.drop_table('letters')
    with op.batch_alter_table('directory_sharing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_sharing_tenant_id'))

    op.drop_table('directory_sharing')
