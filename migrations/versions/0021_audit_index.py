"""index for reading a party's private audit events

Revision ID: 0021_audit_index
Revises: 0020_discussion
Create Date: 2026-11-27 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0021_audit_index'
down_revision = '0020_discussion'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_trail', ['instrument_id', 'occurred_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_private_to_party_id'), ['private_to_party_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_private_to_party_id'))
        batch_op.drop_index('ix_audit_events_trail')
