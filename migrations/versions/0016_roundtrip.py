"""Word round trip: where an amendment revision came from (uploaded document, its author and date)

Revision ID: 0016_roundtrip
Revises: 0015_party_names
Create Date: 2026-11-27 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_roundtrip'
down_revision = '0015_party_names'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('amendment_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_file', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('source_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('source_author', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('source_date', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            'source_file_has_digest', '(source_file IS NULL) = (source_sha256 IS NULL)'
        )
    op.create_table('roundtrip_previews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('draft_stamp', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_roundtrip_previews_instrument_id_instruments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_roundtrip_previews_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roundtrip_previews'))
    )
    with op.batch_alter_table('roundtrip_previews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roundtrip_previews_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roundtrip_previews_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('roundtrip_previews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roundtrip_previews_user_id'))
        batch_op.drop_index(batch_op.f('ix_roundtrip_previews_instrument_id'))
    op.drop_table('roundtrip_previews')
    with op.batch_alter_table('amendment_revisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_amendment_revisions_source_file_has_digest'), type_='check')
        batch_op.drop_column('source_date')
        batch_op.drop_column('source_author')
        batch_op.drop_column('source_sha256')
        batch_op.drop_column('source_file')
