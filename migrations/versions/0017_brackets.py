"""square brackets declared as not negotiating

Revision ID: 0017_brackets
Revises: 0016_roundtrip
Create Date: 2026-11-27 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017_brackets'
down_revision = '0016_roundtrip'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clauses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plain_brackets', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('clauses', schema=None) as batch_op:
        batch_op.drop_column('plain_brackets')
