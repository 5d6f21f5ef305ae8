"""clause discussion, mentions and attachments

Revision ID: 0020_discussion
Revises: 0019_deadlines
Create Date: 2026-11-27 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020_discussion'
down_revision = '0019_deadlines'
branch_labels = None
depends_on = None

ONE_TARGET = (
    "(attached_to = 'negotiation' AND milestone_id IS NULL AND clause_id IS NULL AND amendment_id IS NULL)"
    " OR (attached_to = 'meeting' AND milestone_id IS NOT NULL AND clause_id IS NULL"
    " AND amendment_id IS NULL)"
    " OR (attached_to = 'clause' AND clause_id IS NOT NULL AND milestone_id IS NULL AND amendment_id IS NULL)"
    " OR (attached_to = 'amendment' AND amendment_id IS NOT NULL AND milestone_id IS NULL"
    " AND clause_id IS NULL)"
)


def upgrade():
    op.create_table(
        'clause_posts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instrument_id', sa.Integer(), nullable=False),
        sa.Column('clause_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('party_id', sa.Integer(), nullable=True),
        sa.Column('internal', sa.Boolean(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("body <> ''", name=op.f('ck_clause_posts_body_not_empty')),
        sa.CheckConstraint('NOT internal OR party_id IS NOT NULL', name=op.f('ck_clause_posts_internal_has_party')),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_clause_posts_author_id_users')),
        sa.ForeignKeyConstraint(['clause_id'], ['clauses.id'], name=op.f('fk_clause_posts_clause_id_clauses')),
        sa.ForeignKeyConstraint(
            ['instrument_id'], ['instruments.id'], name=op.f('fk_clause_posts_instrument_id_instruments')
        ),
        sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_clause_posts_party_id_parties')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_clause_posts')),
    )
    with op.batch_alter_table('clause_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clause_posts_clause_id'), ['clause_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clause_posts_instrument_id'), ['instrument_id'], unique=False)

    op.create_table(
        'clause_post_mentions',
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['post_id'], ['clause_posts.id'], name=op.f('fk_clause_post_mentions_post_id_clause_posts'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_clause_post_mentions_user_id_users')),
        sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_clause_post_mentions')),
    )

    op.create_table(
        'attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instrument_id', sa.Integer(), nullable=False),
        sa.Column(
            'attached_to',
            sa.Enum('negotiation', 'meeting', 'clause', 'amendment', name='attached_to', native_enum=False,
                    create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column('milestone_id', sa.Integer(), nullable=True),
        sa.Column('clause_id', sa.Integer(), nullable=True),
        sa.Column('amendment_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('media_type', sa.String(length=120), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('description', sa.String(length=300), server_default='', nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('party_id', sa.Integer(), nullable=True),
        sa.Column('internal', sa.Boolean(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            'store',
            sa.Enum('db', 'files', name='attachment_store', native_enum=False, create_constraint=True, length=8),
            nullable=False,
        ),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.CheckConstraint('NOT internal OR party_id IS NOT NULL', name=op.f('ck_attachments_internal_has_party')),
        sa.CheckConstraint('size_bytes > 0', name=op.f('ck_attachments_size_positive')),
        sa.CheckConstraint("filename <> ''", name=op.f('ck_attachments_filename_not_empty')),
        sa.CheckConstraint("store <> 'db' OR content IS NOT NULL", name=op.f('ck_attachments_db_store_has_content')),
        sa.CheckConstraint(ONE_TARGET, name=op.f('ck_attachments_one_target')),
        sa.ForeignKeyConstraint(
            ['amendment_id'], ['amendments.id'], name=op.f('fk_attachments_amendment_id_amendments')
        ),
        sa.ForeignKeyConstraint(['clause_id'], ['clauses.id'], name=op.f('fk_attachments_clause_id_clauses')),
        sa.ForeignKeyConstraint(
            ['instrument_id'], ['instruments.id'], name=op.f('fk_attachments_instrument_id_instruments')
        ),
        sa.ForeignKeyConstraint(
            ['milestone_id'], ['milestones.id'], name=op.f('fk_attachments_milestone_id_milestones')
        ),
        sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_attachments_party_id_parties')),
        sa.ForeignKeyConstraint(
            ['uploaded_by_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_amendment_id'), ['amendment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_clause_id'), ['clause_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_milestone_id'), ['milestone_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_sha256'), ['sha256'], unique=False)


def downgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_sha256'))
        batch_op.drop_index(batch_op.f('ix_attachments_milestone_id'))
        batch_op.drop_index(batch_op.f('ix_attachments_instrument_id'))
        batch_op.drop_index(batch_op.f('ix_attachments_clause_id'))
        batch_op.drop_index(batch_op.f('ix_attachments_amendment_id'))
    op.drop_table('attachments')
    op.drop_table('clause_post_mentions')
    with op.batch_alter_table('clause_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clause_posts_instrument_id'))
        batch_op.drop_index(batch_op.f('ix_clause_posts_clause_id'))
    op.drop_table('clause_posts')
