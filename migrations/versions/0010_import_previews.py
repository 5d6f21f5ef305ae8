"""drafts read from uploaded files, waiting in a preview to be corrected and confirmed

Revision ID: 0010_import_previews
Revises: 0009_negotiations
Create Date: 2026-11-27 03:55:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_import_previews'
down_revision = '0009_negotiations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_previews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_import_previews_instrument_id_instruments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_import_previews_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_previews'))
    )
    with op.batch_alter_table('import_previews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_previews_instrument_id'), ['instrument_id'], unique=False)


def downgrade():
    with op.batch_alter_table('import_previews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_previews_instrument_id'))
    op.drop_table('import_previews')
