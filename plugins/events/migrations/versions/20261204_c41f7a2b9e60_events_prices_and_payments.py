"""events: a price per event, and the payment of a registration

``events.price_cents`` is the price of a seat (empty: free). A registration for a paid event
holds its seat until ``payment_expires_at`` while the person pays through Stripe Checkout
(the session named by ``payment_reference``);
``paid_at`` records the payment. Nothing changes for free events. The tables already have
their row-level security policies.

Revision ID: c41f7a2b9e60
Revises: a317dd741e50
Create Date: 2026-12-04 21:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c41f7a2b9e60'
down_revision = 'a317dd741e50'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('price_cents', sa.Integer(), nullable=True))
    with op.batch_alter_table('event_registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_reference', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('payment_expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('paid_at', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_event_registrations_payment_reference'), ['payment_reference'])


def downgrade():
    with op.batch_alter_table('event_registrations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_event_registrations_payment_reference'), type_='unique')
        batch_op.drop_column('paid_at')
        batch_op.drop_column('payment_expires_at')
        batch_op.drop_column('payment_reference')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('price_cents')
